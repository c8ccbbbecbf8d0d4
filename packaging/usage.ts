import { EXPORTER_PORT_BASE, PACKAGE_DEFAULTS, PORT_SLOTS, PROBER_PORT_BASE } from './layout.ts';

/** Apart from packaging/command.ts, so that `ipft --help` does not load the schema validators. */
export const packageUsage = `ipft package [--from-deployment FILE] [--mode prober|oneshot] [--sidecar native|regular]
             [--check NAME[,NAME…]] [--deployment NAME] [--container NAME] [--namespace NAME]
             [--node-image IMAGE] [--exporter-port N] [--prober-port N] [--maintenance] [--dist DIR] [--out DIR] [--quiet]

Writes the install manifests to --out (default dist/deploy in the current directory, DIST/deploy with
--dist) from the bundles in --dist (default: those installed with ipft, beside dist/cli.js):
the ConfigMaps (named after their data), a strategic merge patch for the ipfailover Deployment with its
kustomization.yaml, the PodMonitor, the PrometheusRule, a Grafana dashboard, the uninstall patch, and the
patch as oc commands. --from-deployment reads the Deployment (oc get deploy/NAME -o yaml): its name,
namespace and keepalived container, its OPENSHIFT_HA_* env for the exporter and the prober, and the
removal Job; the patched result is linted.
--mode prober (the default): keepalived runs verdict.sh (bash), which asks the resident prober in the
ipft-prober container; --sidecar native (the default; Kubernetes 1.29+, OpenShift 4.16+) makes it an
init container with restartPolicy Always, --sidecar regular an ordinary container, for older clusters.
--mode oneshot: keepalived runs the check's bundle on each run, with node copied by an init container.
--check (default ${PACKAGE_DEFAULTS.check}) is the check keepalived runs; in prober mode a comma list may gate on several.
--maintenance (prober mode): the prober reads its own Node, and fails every check while it has the label
ipfailover-toolkit/maintenance=true (IPF_MAINTENANCE_LABEL=true in the settings ConfigMap); the
kustomization and the oc commands apply maintenance-rbac.yaml, get on nodes.
--exporter-port and --prober-port default to ports derived from the Deployment name
(${EXPORTER_PORT_BASE}-${EXPORTER_PORT_BASE + PORT_SLOTS - 1} and ${PROBER_PORT_BASE}-${PROBER_PORT_BASE + PORT_SLOTS - 1}), so that deployments sharing a node do not collide.
--quiet prints the ConfigMaps' names and sizes in place of the summary, and no note on a missing
--from-deployment (npm run build passes it).
Exit 0 written, 1 a ConfigMap over 1 MiB, 2 bad input.`;
