/**
 * `ipft package --from-deployment FILE`: what the packager takes from the administrator's existing
 * ipfailover Deployment (as `oc get deploy/NAME -o yaml` prints it). Reading the file is the caller's;
 * everything here is pure.
 */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { toIpfailoverDeployment } from '../core/ipfailover/lint.ts';
import {
  describeObject,
  isRecord,
  ManifestError,
  type ManifestObject,
} from '../core/ipfailover/manifests.ts';
import { type ReplacedScripts, uninstallPatch } from './deployment-patch.ts';
import { IMAGE_VARIABLE, names, REPLACED_ENV_ANNOTATION, SCRIPT_VARIABLES } from './layout.ts';
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
  /** The check and notify scripts it had before the toolkit. */
  readonly replaced: ReplacedScripts;
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

function isPatched(container: Record<string, unknown>, podSpec: Record<string, unknown>): boolean {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return (
    containers.some((entry) => isRecord(entry) && entry.name === names.exporterContainer) ||
    (Array.isArray(container.volumeMounts) &&
      container.volumeMounts.some((mount) => isRecord(mount) && mount.name === names.scriptsVolume))
  );
}

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
  return Object.fromEntries(
    SCRIPT_VARIABLES.filter((name) => name in parsed).map((name) => [name, parsed[name]]),
  );
}

export function toSourceDeployment(object: ManifestObject): SourceDeployment {
  const installed = toIpfailoverDeployment(object);
  const containerName = String(installed.container.name ?? '');
  const patched = isPatched(installed.container, installed.podSpec);
  const replaced = patched
    ? readReplaced(object)
    : Object.fromEntries(
        SCRIPT_VARIABLES.flatMap((name) => {
          const entry = installed.env.get(name);
          return entry === undefined ? [] : [[name, entry.value]];
        }),
      );
  const body = patched
    ? (strategicMerge(object.body, uninstallPatch(object.name, containerName, replaced)) as Record<
        string,
        unknown
      >)
    : object.body;
  // Read again from the original-again manifest, so that nothing of the earlier install is copied.
  const original = toIpfailoverDeployment({ ...object, body });
  return {
    name: object.name,
    namespace: object.namespace,
    container: containerName,
    image: String(original.container.image ?? ''),
    replicas: original.replicas,
    imageEnv: [...original.env]
      .filter(([name]) => IMAGE_VARIABLE.test(name))
      .map(([name, { value }]) => ({ name, value })),
    replaced,
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
