import { EXPORTER_PORT_BASE, PACKAGE_DEFAULTS, PORT_SLOTS, PROBER_PORT_BASE } from './layout.ts';

/** Apart from packaging/command.ts, so that `ipft --help` does not load the schema validators. */
export const packageUsage = `ipft package --from-deployment FILE [--out DIR] [--mode prober|oneshot] [--sidecar native|regular]
             [--check NAME[,NAME…]] [--node-image IMAGE] [--exporter-port N] [--prober-port N] [--dist DIR] [--quiet]
ipft package --out DIR [options]      (again, in a folder an earlier run wrote: upgrade, or change mode or check)

Writes one folder (default ipft-NAME) that oc apply --server-side -k takes as it is: the Deployment as
given (ipfailover-deployment.yaml, saved once), settings.env (the check settings, seeded once from the
Deployment's IPF_* env, then yours), the patch, the ConfigMaps (named after their data), the PodMonitor,
the PrometheusRule and the RBAC the checks need; preflight.sh; and, never to apply with it, dashboard/,
uninstall/ and removal/. Ends with the commands to run next.
--mode prober (the default): keepalived runs verdict.sh (bash), which asks the resident prober in the
ipft-prober container; --sidecar native (the default; Kubernetes 1.29+, OpenShift 4.16+) makes it an
init container with restartPolicy Always, --sidecar regular an ordinary container, for older clusters.
--mode oneshot: keepalived runs the check's bundle on each run, with node copied by an init container.
--check (default ${PACKAGE_DEFAULTS.check}) is the check keepalived runs; in prober mode a comma list may gate on several.
--exporter-port and --prober-port default to ports derived from the Deployment name
(${EXPORTER_PORT_BASE}-${EXPORTER_PORT_BASE + PORT_SLOTS - 1} and ${PROBER_PORT_BASE}-${PROBER_PORT_BASE + PORT_SLOTS - 1}), so that deployments sharing a node do not collide.
--dist: the bundles to package (default: those installed with ipft). --quiet: the ConfigMaps' sizes only.
Example: oc get deploy/ipfailover-keepalived -o yaml > d.yaml && ipft package --from-deployment d.yaml
Exit 0 written, 1 a ConfigMap over 1 MiB, 2 bad input.`;
