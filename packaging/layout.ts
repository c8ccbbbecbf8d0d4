/**
 * The names and paths that every generated object must agree on: the patch mounts what the ConfigMaps
 * hold, the wrappers look where the init container copies, the PodMonitor selects the label the patch
 * adds. Kept in one place so that they cannot drift apart.
 */
import { defaultStateDir } from '../core/common-settings.ts';
import { DEFAULT_EXPORTER_PORT } from '../exporter/settings.ts';

export const SCRIPTS_CONFIGMAP = 'ipfailover-toolkit-scripts';
export const EXPORTER_CONFIGMAP = 'ipfailover-toolkit-exporter';

/** The name `oc adm ipfailover` and the product docs give the Deployment and its container. */
export const DEFAULT_DEPLOYMENT = 'ipfailover-keepalived';
export const DEFAULT_CONTAINER = 'openshift-ipfailover';
/** Does what the image's own check does, with no settings: the safe default to replace it with. */
export const DEFAULT_CHECK = 'tcp-check';

/**
 * Red Hat's UBI 9 Node.js 20 minimal image: the same RHEL 9 base (and glibc) as the ipfailover image,
 * so its `node` runs there, and Node.js 20, the bundles' build target. Pinned by tag so that a pod
 * restart cannot change the runtime under the checks.
 */
export const DEFAULT_NODE_IMAGE = 'registry.access.redhat.com/ubi9/nodejs-20-minimal:9.7-1778604817';

export const paths = {
  /** The scripts ConfigMap in the keepalived container: wrappers, bundles, notify.sh. */
  scripts: '/etc/ipfailover-toolkit',
  /** The exporter ConfigMap in the exporter container. */
  exporter: '/etc/ipfailover-toolkit-exporter',
  /** The emptyDir the init container copies node into; the wrappers look here first. */
  runtime: '/opt/ipfailover-toolkit/runtime',
  /** IPF_STATE_DIR: the emptyDir shared by the checks, the notify hook and the exporter. */
  state: defaultStateDir,
} as const;

export const names = {
  scriptsVolume: 'ipft-scripts',
  exporterVolume: 'ipft-exporter-bundle',
  runtimeVolume: 'ipft-runtime',
  stateVolume: 'ipft-state',
  exporterContainer: 'ipft-exporter',
  runtimeInitContainer: 'ipft-node-runtime',
  /** A port name (at most 15 characters) for the PodMonitor to select. */
  metricsPort: 'ipft-metrics',
} as const;

export const EXPORTER_PORT = Number(DEFAULT_EXPORTER_PORT);

export const NOTIFY_SCRIPT = 'notify.sh';
export const RUNTIME_INSTALLER = 'install-node-runtime.sh';
export const EXPORTER_BUNDLE = 'exporter.js';
export const PROBER_BUNDLE = 'prober.js';
export const VERDICT_SCRIPT = 'verdict.sh';

/** On the pod template, so that the PodMonitor finds this deployment's pods whatever their own labels. */
export const DEPLOYMENT_LABEL = 'ipfailover-toolkit/deployment';
/**
 * On the Deployment: the check and notify scripts the patch replaced, as JSON, so that packaging an
 * already patched Deployment (an upgrade) still knows what to put back at uninstall.
 */
export const REPLACED_ENV_ANNOTATION = 'ipfailover-toolkit/replaced-env';

/** The image variables the patch sets in the keepalived container. */
export const SCRIPT_VARIABLES = ['OPENSHIFT_HA_CHECK_SCRIPT', 'OPENSHIFT_HA_NOTIFY_SCRIPT'] as const;

/**
 * What the ipfailover image reads from its environment (conf/settings.sh): the exporter needs them to
 * know each instance's VIPs, and the removal Job to know what to release. An extended regular
 * expression that grep -E takes too (the oc commands copy the variables with it).
 */
export const IMAGE_VARIABLE_PATTERN =
  '(OPENSHIFT_HA_[A-Z0-9_]+|HA_EXCLUDED_VRRP_IDS|MULTICAST_SOURCE_IPADDRESS|UNICAST_SOURCE_IPADDRESS)';
export const IMAGE_VARIABLE = new RegExp(`^${IMAGE_VARIABLE_PATTERN}$`);

export function toolkitLabels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'ipfailover-toolkit',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'ipfailover-toolkit',
  };
}
