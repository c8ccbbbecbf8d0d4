/**
 * `ipft package --from-deployment FILE`: what the packager takes from the administrator's existing
 * ipfailover Deployment (as `oc get deploy/NAME -o yaml` prints it). Reading the file is the caller's;
 * everything here is pure.
 */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import {
  type Pod,
  type PodContainer,
  readDeployment,
  readPod,
  toolkitPortEntries,
} from '../core/ipfailover/deployment.ts';
import { describeObject, ManifestError, type ManifestObject } from '../core/ipfailover/manifests.ts';
import { isRecord } from '../core/records.ts';
import {
  type ReplacedScripts,
  type RolloutStrategy,
  strategyOf,
  uninstallPatch,
} from './deployment-patch.ts';
import {
  CHECK_SETTING,
  IMAGE_VARIABLE,
  type Mode,
  names,
  REPLACED_ENV_ANNOTATION,
  REPLACED_STRATEGY_ANNOTATION,
  SCRIPT_VARIABLES,
} from './layout.ts';
import { strategicMerge } from './strategic-merge.ts';

export interface SourceDeployment {
  readonly name: string;
  readonly namespace: string | undefined;
  /** The keepalived container: the first that sets OPENSHIFT_HA_VIRTUAL_IPS, as `ipft lint` finds it. */
  readonly container: string;
  readonly image: string;
  readonly replicas: number;
  /** Its OPENSHIFT_HA_* (and other image) variables, in manifest order. */
  readonly imageEnv: readonly IEnvVar[];
  /** The check and notify scripts it had before the toolkit (and check settings a prober install moved). */
  readonly replaced: ReplacedScripts;
  /**
   * spec.strategy before the toolkit, defaults filled in: the Deployment's own, or an earlier install's
   * record of it (an install by a version that did not set the strategy left the Deployment's as it was).
   */
  readonly strategy: RolloutStrategy;
  /** The mode of an earlier install of the toolkit; undefined when there is none. */
  readonly installedMode: Mode | undefined;
  /**
   * Check settings (IPF_HTTP_*, IPF_TCP_*, …) on the original keepalived container, as written there:
   * in prober mode they belong to the settings ConfigMap instead.
   */
  readonly checkSettings: readonly IEnvVar[];
  /** The exporter's and the prober's ports of an earlier install, as their env sets them. */
  readonly installedPorts: Partial<Record<'exporter' | 'prober', number>>;
  readonly podSpec: Readonly<Record<string, unknown>>;
  /**
   * The manifest for the kustomization: without status and the fields the API server owns, and without
   * an earlier install of the toolkit (so that an upgrade starts from the original). resourceVersion is
   * kept on purpose: applying it fails, rather than overwrites, when the Deployment changed after the export.
   */
  readonly manifest: Record<string, unknown>;
}

const serverOwnedMetadata = ['uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];
const serverOwnedAnnotations = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

function withoutServerFields(body: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = body;
  const metadata = isRecord(rest.metadata) ? { ...rest.metadata } : {};
  for (const field of serverOwnedMetadata) delete metadata[field];
  if (isRecord(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    for (const key of serverOwnedAnnotations) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    else metadata.annotations = annotations;
  }
  return { ...rest, metadata };
}

const hasContainer = (pod: Pod, name: string) =>
  [...pod.containers, ...pod.initContainers].some((container) => container.body.name === name);

/** The mode of an earlier install: the prober container says prober; the exporter or the scripts mount alone, one-shot. */
function installedModeOf(keepalived: PodContainer, pod: Pod): Mode | undefined {
  if (hasContainer(pod, names.proberContainer)) return 'prober';
  const mounted = keepalived.volumeMounts.some((mount) => mount.name === names.scriptsVolume);
  return hasContainer(pod, names.exporterContainer) || mounted ? 'oneshot' : undefined;
}

/** IPF_EXPORTER_PORT of ipft-exporter and IPF_PROBER_PORT of ipft-prober, wherever they are in the pod spec. */
function installedPortsOf(pod: Pod): SourceDeployment['installedPorts'] {
  const ports: Partial<Record<'exporter' | 'prober', number>> = {};
  for (const { port, entry } of toolkitPortEntries(pod)) {
    const value = entry?.value;
    if (typeof value === 'string' && /^[0-9]{1,5}$/.test(value)) ports[port.part] = Number(value);
  }
  return ports;
}

/** Literal values of the record: script variables and the check settings a prober install moved. */
const recorded = (name: string) =>
  (SCRIPT_VARIABLES as readonly string[]).includes(name) || CHECK_SETTING.test(name);

/** The annotation an earlier install left, checked: a string value per script variable. */
function readReplaced(object: ManifestObject): ReplacedScripts {
  const metadata = isRecord(object.body.metadata) ? object.body.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const raw = annotations[REPLACED_ENV_ANNOTATION];
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed) || Object.values(parsed).some((value) => typeof value !== 'string')) {
    throw new ManifestError(
      `${object.file}: ${describeObject(object)}: metadata.annotations["${REPLACED_ENV_ANNOTATION}"]: expected the JSON object of script paths an earlier ipft package wrote, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}; the toolkit is installed but its uninstall record is missing`,
    );
  }
  return Object.fromEntries(Object.entries(parsed).filter(([name]) => recorded(name))) as ReplacedScripts;
}

/** The strategy an earlier install recorded, or the Deployment's own when it recorded none. */
function readStrategy(object: ManifestObject, installed: boolean): RolloutStrategy {
  const metadata = isRecord(object.body.metadata) ? object.body.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const raw = installed ? annotations[REPLACED_STRATEGY_ANNOTATION] : undefined;
  if (raw === undefined) {
    const spec = isRecord(object.body.spec) ? object.body.spec : {};
    return strategyOf(spec.strategy);
  }
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed) || (parsed.type !== 'Recreate' && parsed.type !== 'RollingUpdate')) {
    throw new ManifestError(
      `${object.file}: ${describeObject(object)}: metadata.annotations["${REPLACED_STRATEGY_ANNOTATION}"]: expected the JSON of the strategy before the toolkit, {"type":"Recreate"} or {"type":"RollingUpdate",…}, got ${JSON.stringify(raw)}`,
    );
  }
  return strategyOf(parsed);
}

/**
 * The toolkit's containers copy the keepalived container's OPENSHIFT_HA_* env: out of the way, so that
 * the keepalived container is found whatever order the containers were stored in.
 */
function withoutToolkitContainers(body: Record<string, unknown>): Record<string, unknown> {
  const remove = (name: string) => ({ name, $patch: 'delete' });
  return strategicMerge(body, {
    spec: {
      template: {
        spec: { containers: [remove(names.exporterContainer), remove(names.proberContainer)] },
      },
    },
  }) as Record<string, unknown>;
}

export function toSourceDeployment(object: ManifestObject): SourceDeployment {
  const installed = readDeployment(object, withoutToolkitContainers(object.body));
  const containerName = String(installed.keepalived.body.name ?? '');
  const asWritten = readPod(object.body);
  const installedMode = installedModeOf(installed.keepalived, asWritten);
  const patched = installedMode !== undefined;
  const replaced = patched
    ? readReplaced(object)
    : Object.fromEntries(
        SCRIPT_VARIABLES.flatMap((name) => {
          const entry = installed.env.get(name);
          return entry === undefined ? [] : [[name, entry.value]];
        }),
      );
  const strategy = readStrategy(object, patched);
  const body = patched
    ? (strategicMerge(object.body, uninstallPatch(object.name, containerName, replaced, strategy)) as Record<
        string,
        unknown
      >)
    : object.body;
  // Read again from the original-again manifest, so that nothing of the earlier install is copied.
  const original = readDeployment(object, body);
  return {
    name: object.name,
    namespace: object.namespace,
    container: containerName,
    image: String(original.keepalived.body.image ?? ''),
    replicas: original.replicas,
    imageEnv: [...original.env]
      .filter(([name]) => IMAGE_VARIABLE.test(name))
      .map(([name, { value }]) => ({ name, value })),
    replaced,
    strategy,
    installedMode,
    installedPorts: installedPortsOf(asWritten),
    checkSettings: original.keepalived.env
      .filter(({ name }) => CHECK_SETTING.test(name))
      .map(({ entry }) => entry as IEnvVar),
    podSpec: original.podSpec,
    manifest: withoutServerFields(body),
  };
}

/** The one Deployment of the file, or a ManifestError that says what the file holds instead. */
export function onlyDeployment(file: string, objects: readonly ManifestObject[]): ManifestObject {
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  const [first] = deployments;
  if (deployments.length !== 1 || !first) {
    throw new ManifestError(
      `${file}: --from-deployment: expected exactly one Deployment, got ${deployments.length}${deployments.length > 1 ? ` (${deployments.map(describeObject).join(', ')})` : ''}`,
    );
  }
  return first;
}
