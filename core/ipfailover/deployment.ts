/**
 * What the toolkit reads of an ipfailover Deployment: its pod's containers with their env and mounts,
 * its volumes and replicas, and the keepalived container with its env as the image reads it. The
 * linter's rules and `ipft package --from-deployment` both read a Deployment here.
 */
import { PROBER_CHECKS, usesProber } from '../prober-protocol.ts';
import { isRecord } from '../records.ts';
import type { Mode } from '../setting-names.ts';
import { DEFAULT_EXPORTER_PORT, DEFAULT_PROBER_PORT } from '../toolkit-ports.ts';
import { IMAGE_VARIABLE } from './image-env.ts';
import {
  describeObject,
  type FieldPath,
  formatPath,
  ManifestError,
  type ManifestObject,
} from './manifests.ts';

export const POD_SPEC_PATH = ['spec', 'template', 'spec'] as const;

export interface EnvEntry {
  readonly name: string;
  /** Its place in the container's env list (entries that are not objects with a name count too). */
  readonly index: number;
  /** As written: a string, another YAML scalar, or undefined (valueFrom, or no value). */
  readonly value: unknown;
  /** The whole entry, valueFrom included. */
  readonly entry: Readonly<Record<string, unknown> & { name: string }>;
}

export interface PodContainer {
  /** spec.template.spec.containers[i] or spec.template.spec.initContainers[i]. */
  readonly path: FieldPath;
  readonly body: Readonly<Record<string, unknown>>;
  /** The entries that are objects with a string name, in order. */
  readonly env: readonly EnvEntry[];
  readonly volumeMounts: readonly Readonly<Record<string, unknown>>[];
}

export interface PodVolume {
  /** spec.template.spec.volumes[i]. */
  readonly path: FieldPath;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The pod template of a Deployment, whatever its containers are. */
export interface Pod {
  /** spec.replicas; 1 when unset, as the API defaults it. */
  readonly replicas: number;
  readonly podSpec: Readonly<Record<string, unknown>>;
  readonly containers: readonly PodContainer[];
  readonly initContainers: readonly PodContainer[];
  readonly volumes: readonly PodVolume[];
  readonly nodeSelector: Readonly<Record<string, unknown>>;
}

/** An ipfailover Deployment: a pod with a keepalived container. */
export interface Deployment extends Pod {
  /** The first container that sets OPENSHIFT_HA_VIRTUAL_IPS in its env. */
  readonly keepalived: PodContainer;
  /** keepalived's env as the image gets it: the last entry of a name wins, and no value reads as empty. */
  readonly env: ReadonlyMap<string, { readonly value: string; readonly index: number }>;
}

const recordsOf = (value: unknown) =>
  (Array.isArray(value) ? value : []).flatMap((item, index) => (isRecord(item) ? [{ item, index }] : []));

function readContainer(
  list: 'containers' | 'initContainers',
  index: number,
  body: Record<string, unknown>,
): PodContainer {
  return {
    path: [...POD_SPEC_PATH, list, index],
    body,
    env: recordsOf(body.env).flatMap(({ item, index: envIndex }) => {
      const { name } = item;
      return typeof name === 'string'
        ? [{ name, index: envIndex, value: item.value, entry: { ...item, name } }]
        : [];
    }),
    volumeMounts: recordsOf(body.volumeMounts).map(({ item }) => item),
  };
}

export function readPod(body: Record<string, unknown>): Pod {
  const spec = isRecord(body.spec) ? body.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const containersOf = (list: 'containers' | 'initContainers') =>
    recordsOf(podSpec[list]).map(({ item, index }) => readContainer(list, index, item));
  return {
    replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
    podSpec,
    containers: containersOf('containers'),
    initContainers: containersOf('initContainers'),
    volumes: recordsOf(podSpec.volumes).map(({ item, index }) => ({
      path: [...POD_SPEC_PATH, 'volumes', index],
      body: item,
    })),
    nodeSelector: isRecord(podSpec.nodeSelector) ? podSpec.nodeSelector : {},
  };
}

/** The first env entry of that name: how a container other than keepalived is read. */
export function envEntry(container: PodContainer, name: string): EnvEntry | undefined {
  return container.env.find((entry) => entry.name === name);
}

/** The toolkit's containers in the pod (packaging/layout.ts adds them; test/unit/lint.test.ts keeps the names equal). */
export const TOOLKIT_CONTAINERS = { exporter: 'ipft-exporter', prober: 'ipft-prober' } as const;

/** The pod's container of that name, among its containers and initContainers (a native sidecar is one). */
export function podContainer(pod: Pod, name: string): PodContainer | undefined {
  return [...pod.containers, ...pod.initContainers].find((container) => container.body.name === name);
}

/**
 * How keepalived runs the toolkit's check: prober mode when it runs verdict.sh or the pod has the
 * prober, one-shot when it runs a check bundle (named after the check: `tcp-check`, or `tcp-check.js`
 * run directly); undefined when keepalived runs no check of the toolkit's.
 */
export function toolkitMode(deployment: Deployment): Mode | undefined {
  const script = deployment.env.get('OPENSHIFT_HA_CHECK_SCRIPT')?.value.trim() ?? '';
  if (usesProber(script) || podContainer(deployment, TOOLKIT_CONTAINERS.prober)) return 'prober';
  const command = script.split(/\s/, 1)[0] ?? '';
  const bundle = command.slice(command.lastIndexOf('/') + 1).replace(/\.js$/, '');
  return (PROBER_CHECKS as readonly string[]).includes(bundle) ? 'oneshot' : undefined;
}

/** The toolkit's containers that listen on a node port, and the variable that sets the port. */
const TOOLKIT_PORT_VARIABLES = [
  {
    part: 'exporter',
    container: TOOLKIT_CONTAINERS.exporter,
    variable: 'IPF_EXPORTER_PORT',
    fallback: Number(DEFAULT_EXPORTER_PORT),
  },
  {
    part: 'prober',
    container: TOOLKIT_CONTAINERS.prober,
    variable: 'IPF_PROBER_PORT',
    fallback: Number(DEFAULT_PROBER_PORT),
  },
] as const;

export type ToolkitPortVariable = (typeof TOOLKIT_PORT_VARIABLES)[number];

/** Each toolkit container of the pod (containers, then initContainers) with its port's env entry, if set. */
export function toolkitPortEntries(
  pod: Pod,
): { port: ToolkitPortVariable; container: PodContainer; entry: EnvEntry | undefined }[] {
  return [...pod.containers, ...pod.initContainers].flatMap((container) => {
    const port = TOOLKIT_PORT_VARIABLES.find(({ container: name }) => name === container.body.name);
    return port ? [{ port, container, entry: envEntry(container, port.variable) }] : [];
  });
}

/**
 * Finds the keepalived container and reads its env as the image does. `body` is the object's own, or
 * a version of it (packaging reads it without the toolkit's containers); errors name the object's file
 * and lines.
 */
export function readDeployment(
  object: ManifestObject,
  body: Record<string, unknown> = object.body,
): Deployment {
  const where = (path: FieldPath) =>
    `${object.file}:${object.lineOf(path) ?? '?'}: ${describeObject(object)}: ${formatPath(path)}`;
  const pod = readPod(body);
  const keepalived = pod.containers.find((container) =>
    container.env.some(({ name }) => name === 'OPENSHIFT_HA_VIRTUAL_IPS'),
  );
  if (!keepalived) {
    const anyEnv = pod.containers.some((candidate) => Array.isArray(candidate.body.env));
    const envFrom = pod.containers.some((candidate) => Array.isArray(candidate.body.envFrom));
    const why = envFrom
      ? 'no container sets OPENSHIFT_HA_VIRTUAL_IPS in env, and envFrom cannot be resolved offline'
      : anyEnv
        ? 'no container sets OPENSHIFT_HA_VIRTUAL_IPS in its env block'
        : 'no container has an env block, so there are no OPENSHIFT_HA_* settings to check';
    throw new ManifestError(`${where([...POD_SPEC_PATH, 'containers'])}: ${why}`);
  }
  const env = new Map<string, { value: string; index: number }>();
  for (const { name, index, value, entry } of keepalived.env) {
    // A variable the image reads, set by valueFrom, cannot be known offline.
    if (entry.valueFrom !== undefined && IMAGE_VARIABLE.test(name)) {
      throw new ManifestError(
        `${where([...keepalived.path, 'env', index])}: ${name} uses valueFrom, which cannot be resolved offline; give its value in the manifest`,
      );
    }
    env.set(name, { value: value === undefined ? '' : String(value), index });
  }
  return { ...pod, keepalived, env };
}
