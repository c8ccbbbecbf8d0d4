# shellcheck shell=bash
# remove-ipfailover.sh: the removal Job's `bash -c` text (packaging/removal-job.ts). $1 is the image's
# removal script, the other arguments the VIPs. Every line of output starts with the node's name, so that
# `oc logs -l job-name=…` reads per node. A fragment: ipft package puts what follows this header (to the
# first blank line) in the Job's command; the header is for shellcheck and the reader.

set -u
node=${NODE_NAME:-$HOSTNAME}
say() { printf '%s\n' "remove-ipfailover on $node: $1"; }
image_script=$1
shift
if [[ -x $image_script ]]; then
  say "running $image_script"
  "$image_script" || say "$image_script exited $?"
else
  say "$image_script is missing: is this the ipfailover image?"
fi
# The image's script deletes addr/32 on one interface only: delete each VIP wherever it is, with its prefix.
for vip in "$@"; do
  while read -r _ device _ address _; do
    if ip addr del "$address" dev "${device%%@*}"; then say "released $address from ${device%%@*}"; fi
  done < <(ip -o addr show to "$vip")
done
left=()
for vip in "$@"; do
  if [[ -n $(ip -o addr show to "$vip") ]]; then left+=("$vip"); fi
done
if ((${#left[@]} > 0)); then
  say "FAIL still present: ${left[*]} (is keepalived still running here? delete the Deployment first)"
  exit 1
fi
say "done: none of the $# VIPs is on this node"
