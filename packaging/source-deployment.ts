/**
 * `ipft package --from-deployment FILE`: what the packager takes from the administrator's ipfailover
 * Deployment as it was before the toolkit (as `oc get deploy/NAME -o yaml` prints it). That original is
 * the base the package patches and what uninstalling applies again, so the packager never has to work
 * out what an earlier run changed: a Deployment that already carries the toolkit is refused.
 */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { UsageError } from '../core/errors.ts';
import { readDeployment } from '../core/ipfailover/deployment.ts';
import { describeObject, ManifestError, type ManifestObject } from '../core/ipfailover/manifests.ts';
import { isDnsLabel, isDnsSubdomain } from '../core/kube-names.ts';
import { isRecord } from '../core/records.ts';
import {
  belongsInSettingsFile,
  knownSettingNames,
  type Mode,
  settingContainers,
} from '../core/setting-names.ts';
import { unknownSettings } from '../core/settings.ts';
import { DEPLOYMENT_LABEL, IMAGE_VARIABLE, names } from './layout.ts';
import { excerpt, packagerSetting } from './settings-file.ts';

export interface SourceDeployment {
  readonly name: string;
  readonly namespace: string | undefined;
  /** The keepalived container: the first that sets OPENSHIFT_HA_VIRTUAL_IPS, as `ipft lint` finds it. */
  readonly container: string;
  readonly image: string;
  readonly replicas: number;
  /** Its OPENSHIFT_HA_* (and other image) variables, in manifest order. */
  readonly imageEnv: readonly IEnvVar[];
  /** Its IPF_* entries, as written. */
  readonly settings: readonly IEnvVar[];
  readonly podSpec: Readonly<Record<string, unknown>>;
  /**
   * The manifest for the kustomization: without status and the fields the API server owns, and without
   * resourceVersion, since the saved original is applied again at every upgrade and at uninstall, long
   * after the export.
   */
  readonly manifest: Record<string, unknown>;
}

const serverOwnedMetadata = [
  'uid',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'resourceVersion',
];
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

const toolkitContainers = new Set<string>([
  names.exporterContainer,
  names.proberContainer,
  names.runtimeInitContainer,
]);

export function toSourceDeployment(object: ManifestObject, savedAs: string): SourceDeployment {
  const deployment = readDeployment(object, object.body);
  const ours = [...deployment.containers, ...deployment.initContainers]
    .map(({ body }) => String(body.name))
    .filter((name) => toolkitContainers.has(name));
  const template =
    isRecord(object.body.spec) && isRecord(object.body.spec.template) ? object.body.spec.template : {};
  const labels =
    isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
  if (ours.length > 0 || DEPLOYMENT_LABEL in labels) {
    throw new ManifestError(
      `${object.file}: ${describeObject(object)}: --from-deployment: expected the Deployment as it was before the toolkit, got one that carries it (${ours.length > 0 ? `container ${ours.join(', ')}` : `label ${DEPLOYMENT_LABEL}`}); package from the original, which the first ipft package saved as ${savedAs}`,
    );
  }
  return {
    name: object.name,
    namespace: object.namespace,
    container: String(deployment.keepalived.body.name ?? ''),
    image: String(deployment.keepalived.body.image ?? ''),
    replicas: deployment.replicas,
    imageEnv: [...deployment.env]
      .filter(([name]) => IMAGE_VARIABLE.test(name))
      .map(([name, { value }]) => ({ name, value })),
    settings: deployment.keepalived.env
      .filter(({ name }) => name.startsWith('IPF_'))
      .map(({ entry }) => entry as IEnvVar),
    podSpec: deployment.podSpec,
    manifest: withoutServerFields(object.body),
  };
}

/**
 * The name is the default folder, a label value and a word in the generated scripts: a name the API
 * server would refuse (or over the 63 characters of a label value) is refused here, before it becomes
 * a path such as ipft-../x.
 */
function checkNames(object: ManifestObject): ManifestObject {
  const metadata = isRecord(object.body.metadata) ? object.body.metadata : {};
  const { name, namespace } = metadata;
  if (typeof name !== 'string' || !isDnsSubdomain(name) || name.length > 63) {
    throw new ManifestError(
      `${object.file}: --from-deployment: metadata.name: expected a Deployment name of lowercase letters, digits, "-" and "." of at most 63 characters (the package puts it in a label), got ${typeof name === 'string' ? excerpt(name) : name === undefined ? 'none' : String(name)}`,
    );
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDnsLabel(namespace))) {
    throw new ManifestError(
      `${object.file}: --from-deployment: metadata.namespace: expected a namespace name of lowercase letters, digits and "-" of at most 63 characters, or none, got ${typeof namespace === 'string' ? excerpt(namespace) : String(namespace)}`,
    );
  }
  return object;
}

/** Where the keepalived container's IPF_* settings go in this mode. */
export interface SettingMoves {
  /** Read by keepalived's container: they stay. */
  readonly stay: readonly IEnvVar[];
  /** Read by the container that runs the probes: they seed settings.env. */
  readonly toSettingsFile: readonly IEnvVar[];
  /** Read by the exporter alone: they move to its container. */
  readonly toExporter: readonly IEnvVar[];
}

/**
 * Every IPF_* setting of the keepalived container, placed by the one table (core/setting-names.ts).
 * An unknown name, a setting no container reads in this mode, or a valueFrom that cannot move into a
 * file is a usage error: nothing is moved silently, and nothing is left where it fails every run.
 */
export function settingMoves(source: SourceDeployment, mode: Mode): SettingMoves {
  const where = `--from-deployment: container ${source.container}`;
  const seen = new Set<string>();
  for (const { name, value } of source.settings) {
    // The API server refuses a number or a boolean as an env value; YAML makes one of an unquoted 5 or true.
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new UsageError(
        `${where}: ${name}: expected a string value (quoted in YAML), got ${JSON.stringify(value)} (${typeof value})`,
      );
    }
    if (seen.has(name)) throw new UsageError(`${where}: ${name} is set twice; expected it once`);
    seen.add(name);
  }
  const env = Object.fromEntries(source.settings.map(({ name, value }) => [name, value ?? '']));
  const unknown = unknownSettings(env, knownSettingNames);
  if (unknown.length > 0) {
    throw new UsageError(`--from-deployment: container ${source.container}: ${unknown.join('; ')}`);
  }
  const owned = source.settings.filter(({ name }) => packagerSetting(name) !== undefined);
  if (owned.length > 0) {
    throw new UsageError(
      `--from-deployment: container ${source.container}: ${owned.map(({ name }) => `${name} is set by ipft package (${packagerSetting(name)})`).join('; ')}; expected ${owned.length === 1 ? 'it' : 'them'} off the container`,
    );
  }
  const stay: IEnvVar[] = [];
  const toSettingsFile: IEnvVar[] = [];
  const toExporter: IEnvVar[] = [];
  for (const entry of source.settings) {
    const containers = settingContainers(entry.name, mode);
    if (containers.includes('keepalived')) stay.push(entry);
    else if (belongsInSettingsFile(entry.name, mode)) toSettingsFile.push(entry);
    else if (containers.includes('exporter')) toExporter.push(entry);
    else {
      throw new UsageError(
        `--from-deployment: container ${source.container}: ${entry.name} is read by the prober only, which --mode ${mode} does not run; expected --mode prober, or the setting removed`,
      );
    }
  }
  const fromValues = toSettingsFile.filter((entry) => entry.valueFrom !== undefined);
  if (fromValues.length > 0) {
    throw new UsageError(
      `--from-deployment: container ${source.container}: ${fromValues.map(({ name }) => name).join(', ')}: expected a literal value to move into settings.env, got valueFrom; move ${fromValues.length === 1 ? 'it' : 'them'} by hand`,
    );
  }
  return { stay, toSettingsFile, toExporter };
}

/** The one Deployment of the file, with names the package can use, or a ManifestError that says what the file holds instead. */
export function onlyDeployment(file: string, objects: readonly ManifestObject[]): ManifestObject {
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  const [first] = deployments;
  if (deployments.length !== 1 || !first) {
    throw new ManifestError(
      `${file}: --from-deployment: expected exactly one Deployment, got ${deployments.length}${deployments.length > 1 ? ` (${deployments.map(describeObject).join(', ')})` : ''}`,
    );
  }
  return checkNames(first);
}
