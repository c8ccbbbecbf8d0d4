import { DEFAULT_CHECK } from './layout.ts';

/** Apart from packaging/command.ts, so that `ipft --help` does not load the schema validators. */
export const packageUsage = `ipft package [--from-deployment FILE] [--check NAME] [--deployment NAME] [--container NAME]
             [--namespace NAME] [--node-image IMAGE] [--dist DIR] [--out DIR]

Writes the install manifests to --out (default DIST/deploy) from the bundles in --dist (default dist):
the scripts and exporter ConfigMaps, a strategic merge patch for the ipfailover Deployment with its
kustomization.yaml, the PodMonitor, the PrometheusRule, a Grafana dashboard, the uninstall patch, and the
patch as oc commands. --from-deployment reads the Deployment (oc get deploy/NAME -o yaml): its name,
namespace and keepalived container, its OPENSHIFT_HA_* env for the exporter, and the removal Job; the
patched result is linted. --check (default ${DEFAULT_CHECK}) is the check keepalived runs.
Exit 0 written, 1 a ConfigMap over 1 MiB, 2 bad input.`;
