#!/bin/sh
# preflight.sh: read-only questions to the cluster before `oc apply -k` of this folder, each of which
# stops the script with one line (the step, what was expected, what oc answered, the command to fix or
# inspect). Nothing is created or changed. ipft package fills in the Deployment and the node image.
#
# - image: `oc image info --show-multiarch`, because the UBI image is a manifest list and without the
#   flag oc refuses every multi-arch image. It asks from this workstation, with its registry
#   credentials: a disconnected cluster that pulls through a mirror fails this step where its nodes
#   would pull (then check the mirror, or use --node-image with the mirrored name).
# - scc: `oc adm policy scc-subject-review -z SA deploy/NAME`: the API server runs SCC admission on the
#   Deployment's own pod template for its service account and names the SCC that would admit it.
#   Chosen over `oc get scc … -o jsonpath='{.users}'`, which misses the grants `oc adm policy
#   add-scc-to-user` makes in OpenShift 4 (a ClusterRole system:openshift:scc:NAME and its binding, not
#   the SCC's users), and over `oc auth can-i use scc/privileged --as=…`, which asks RBAC only (so misses
#   an SCC's users and groups fields), needs impersonation, and names one SCC where another may be the
#   one that admits the pod. A review creates nothing.
# - monitoring: each CRD the toolkit applies (`oc get crd`), then `oc auth can-i create` of its resource
#   in this project.
set -eu
D=deploy/@deployment@
preflight() { printf 'preflight.sh: %s: expected %s, got %s; %s\n' "$1" "$2" "$(printf '%s\n' "$3" | sed -n 1p)" "$4" >&2; exit 1; }
I=@node_image@
got=$(oc image info --show-multiarch "$I" 2>&1 >/dev/null) || preflight image "$I (--node-image) to resolve" "$got" "inspect: oc image info --show-multiarch $I"
SA=$(oc get "$D" -o jsonpath='{.spec.template.spec.serviceAccountName}' 2>&1) || preflight deployment "$D in project $(oc project -q 2>/dev/null)" "$SA" "inspect: oc get $D"
SA=${SA:-default}
got=$(oc adm policy scc-subject-review -z "$SA" "$D" -o jsonpath='{.status.allowedBy.name}' 2>&1) || preflight scc "an SCC that admits the pods of $D for service account $SA" "$got" "inspect: oc adm policy scc-subject-review -z $SA $D"
[ -n "$got" ] || preflight scc "an SCC that admits the pods of $D (hostNetwork, privileged) for service account $SA" "none" "fix: oc adm policy add-scc-to-user privileged -z $SA"
for crd in podmonitors.monitoring.coreos.com prometheusrules.monitoring.coreos.com; do
  got=$(oc get crd "$crd" -o name 2>&1) || preflight monitoring "CRD $crd (the Prometheus operator's)" "$got" "inspect: oc get crd $crd; OpenShift monitoring installs it"
  got=$(oc auth can-i create "$crd" 2>&1) || preflight monitoring "permission to create $crd in project $(oc project -q 2>/dev/null)" "$got" "inspect: oc auth can-i create $crd; in a user project enable user-workload monitoring (enableUserWorkload: true in cm/cluster-monitoring-config -n openshift-monitoring)"
done
echo "preflight.sh: $D can take the toolkit: the image, the SCC and the monitoring CRDs and permissions are in place"
