/**
 * The names and paths that every generated object must agree on: the patch mounts what the ConfigMaps
 * hold, the wrappers look where the init container copies, the PodMonitor selects the label the patch
 * adds. Kept in one place so that they cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { defaultStateDir } from '../core/common-settings.ts';
import { TOOLKIT_CONTAINERS } from '../core/ipfailover/deployment.ts';
import type { Mode } from '../core/setting-names.ts';
import { DEFAULT_EXPORTER_PORT } from '../core/toolkit-ports.ts';

/**
 * The ConfigMaps the pod mounts. Their names get `-<8 hex of the sha256 of their data>`
 * (configmaps.ts), and the patch names them so: a new bundle is a new pod template, which the
 * Deployment rolls out as a revision (and `oc rollout undo` rolls back), instead of the kubelet
 * swapping the files under every running pod at once.
 */
export const SCRIPTS_CONFIGMAP = 'ipfailover-toolkit-scripts';
export const EXPORTER_CONFIGMAP = 'ipfailover-toolkit-exporter';
export const PROBER_CONFIGMAP = 'ipfailover-toolkit-prober';
/**
 * The settings ConfigMap, `envFrom` of the container that runs the probes: kustomize generates it from
 * settings.env and appends the hash of its data to this name.
 */
export const SETTINGS_CONFIGMAP = 'ipfailover-toolkit-settings';

/**
 * prober (the default): keepalived runs verdict.sh, bash, which asks the resident prober in its own
 * container. oneshot: keepalived runs a check bundle per run with a node copied into its container.
 */
export const MODES: readonly Mode[] = ['prober', 'oneshot'];
export type { Mode };
/**
 * native: the prober is an init container with restartPolicy Always (Kubernetes 1.29, OpenShift
 * 4.16 and later), started and probed before keepalived. regular: an ordinary container, for older
 * clusters, which reject the native one.
 */
export const SIDECARS = ['native', 'regular'] as const;
export type Sidecar = (typeof SIDECARS)[number];

/** What `ipft package` makes when no flag says otherwise; its ports are derived from the Deployment name. */
export const PACKAGE_DEFAULTS: {
  readonly deployment: string;
  readonly container: string;
  readonly check: string;
  readonly mode: Mode;
  readonly sidecar: Sidecar;
  readonly nodeImage: string;
} = {
  /** The names `oc adm ipfailover` and the product docs give the Deployment and its container. */
  deployment: 'ipfailover-keepalived',
  container: 'openshift-ipfailover',
  /** Does what the image's own check does, with no settings: the safe default to replace it with. */
  check: 'tcp-check',
  mode: 'prober',
  sidecar: 'native',
  /**
   * Red Hat's UBI 9 Node.js 24 minimal image: the same RHEL 9 base (and glibc) as the ipfailover image,
   * so its `node` runs there (one-shot mode copies it in; a UBI 10 image's node needs a newer glibc), and
   * Node.js 24, in LTS until 2028-04-30. The newest LTS, 26, has no ubi9 minimal image from Red Hat yet.
   * Pinned by tag so that a pod restart cannot change the runtime under the checks. The README's
   * "Supported Node.js" has the reasons and the versions CI runs the bundles on.
   */
  nodeImage: 'registry.access.redhat.com/ubi9/nodejs-24-minimal:9.8-1791306535',
};

export const paths = {
  /** The scripts ConfigMap in the keepalived container: wrappers, bundles (one-shot) or verdict.sh, notify.sh. */
  scripts: '/etc/ipfailover-toolkit',
  /** The exporter ConfigMap in the exporter container. */
  exporter: '/etc/ipfailover-toolkit-exporter',
  /** The prober ConfigMap in the prober container. */
  prober: '/etc/ipfailover-toolkit-prober',
  /** The emptyDir the init container copies node into (one-shot); the wrappers look here first. */
  runtime: '/opt/ipfailover-toolkit/runtime',
  /** IPF_STATE_DIR: the emptyDir shared by the checks, the notify hook and the exporter. */
  state: defaultStateDir,
} as const;

export const names = {
  scriptsVolume: 'ipft-scripts',
  exporterVolume: 'ipft-exporter-bundle',
  proberVolume: 'ipft-prober-bundle',
  runtimeVolume: 'ipft-runtime',
  stateVolume: 'ipft-state',
  exporterContainer: TOOLKIT_CONTAINERS.exporter,
  proberContainer: TOOLKIT_CONTAINERS.prober,
  runtimeInitContainer: 'ipft-node-runtime',
  /** Port names (at most 15 characters): the PodMonitor selects the first. */
  metricsPort: 'ipft-metrics',
  proberPort: 'ipft-prober',
} as const;

/**
 * Each deployment's own exporter and prober ports. Both listen on the node's network (the pod has
 * hostNetwork), so two ipfailover deployments whose pods share a node need different ports, or the
 * second exporter (or prober) never binds. `ipft package` derives them from the Deployment name:
 * slot = the first 4 bytes of sha256(name) modulo 29, exporter = 9871 + slot (9871-9899),
 * prober = 9900 + slot (9900-9928). Deterministic, so that packaging again (an upgrade) keeps them;
 * one slot for both, so that two deployments either collide on both ports or on neither, and the
 * exporter's port, which every scheduler counts, also keeps a pod whose prober would collide off the
 * node (kube-scheduler counts host ports of native sidecars only since Kubernetes 1.34, #132040).
 * `--exporter-port` and `--prober-port` override them, and `ipft lint` flags deployments that can
 * share a node with colliding ports. Why these ranges:
 *
 * - inside 9000-9999, which OpenShift opens between nodes for host-level services;
 * - outside the NodePort range (30000-32767) and the ephemeral range (32768-60999), so neither a
 *   Service nor an outgoing connection can hold the port first;
 * - clear of RESERVED_PORTS (core/toolkit-ports.ts), where OpenShift node components listen (and of
 *   the keepalived exporters' 9165 and 9650);
 * - the exporter's range starts at its default 9871 and so may give it; the prober's default 9872
 *   falls in the exporter's range, which only matters beside a prober installed by hand on its default
 *   (`ipft lint` compares every toolkit port with every other for that reason).
 */
export const PORT_SLOTS = 29;
/** The exporter's range starts at its default port, so one slot gives it (see above). */
export const EXPORTER_PORT_BASE = Number(DEFAULT_EXPORTER_PORT);
export const PROBER_PORT_BASE = 9900;

export interface ToolkitPorts {
  readonly exporter: number;
  readonly prober: number;
}

function portSlot(deployment: string): number {
  return createHash('sha256').update(deployment).digest().readUInt32BE(0) % PORT_SLOTS;
}

export function derivedPorts(deployment: string): ToolkitPorts {
  const slot = portSlot(deployment);
  return { exporter: EXPORTER_PORT_BASE + slot, prober: PROBER_PORT_BASE + slot };
}

export const NOTIFY_SCRIPT = 'notify.sh';
export const RUNTIME_INSTALLER = 'install-node-runtime.sh';
export const EXPORTER_BUNDLE = 'exporter.js';
export const PROBER_BUNDLE = 'prober.js';
export const VERDICT_SCRIPT = 'verdict.sh';

/** On the pod template, so that the PodMonitor finds this deployment's pods whatever their own labels. */
export const DEPLOYMENT_LABEL = 'ipfailover-toolkit/deployment';
/**
 * The field manager of every apply: the uninstall applies the original Deployment with the same one,
 * so that what this manager alone set goes (server-side apply's field management).
 */
export const FIELD_MANAGER = 'ipfailover-toolkit';

/**
 * What the ipfailover image reads from its environment: the exporter needs it to know each instance's
 * VIPs, and the removal Job to know what to release.
 */
export { IMAGE_VARIABLE, IMAGE_VARIABLE_PATTERN } from '../core/ipfailover/image-env.ts';

export { toolkitLabels } from '../core/toolkit-labels.ts';
