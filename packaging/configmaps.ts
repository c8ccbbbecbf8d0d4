/**
 * The two ConfigMaps that carry the toolkit into the pod, so that no image has to be built: the
 * scripts (check bundles, their wrappers, the notify hook, the runtime installer) and, apart, the
 * exporter, which is larger than all the checks together.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import {
  EXPORTER_BUNDLE,
  EXPORTER_CONFIGMAP,
  NOTIFY_SCRIPT,
  RUNTIME_INSTALLER,
  SCRIPTS_CONFIGMAP,
  toolkitLabels,
} from './layout.ts';
import { checkWrapper, installNodeRuntimeScript } from './runtime-scripts.ts';

/** The API server refuses a ConfigMap whose data (keys and values, in bytes) exceeds 1 MiB. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** A package that cannot be made from what was built: exit 1, and `npm run build` fails with it. */
export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

export type ConfigMapData = Readonly<Record<string, string>>;

/** What the API server counts against the limit: the bytes of every key and every value. */
export function configMapDataBytes(data: ConfigMapData): number {
  return Object.entries(data).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Throws a PackageError naming the ConfigMap, its size, the limit and its largest entries. */
export function assertConfigMapFits(name: string, data: ConfigMapData, limit = CONFIGMAP_MAX_BYTES): void {
  const size = configMapDataBytes(data);
  if (size <= limit) return;
  const largest = Object.entries(data)
    .map(([key, value]) => ({ key, bytes: Buffer.byteLength(key) + Buffer.byteLength(value) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map(({ key, bytes }) => `${key} ${kib(bytes)}`)
    .join(', ');
  throw new PackageError(
    `ConfigMap ${name}: expected at most ${limit} bytes of data (${kib(limit)}, the API server's limit for one ConfigMap), got ${size} bytes (${kib(size)}; largest: ${largest})`,
  );
}

function configMap(name: string, component: string, data: ConfigMapData, namespace?: string): ConfigMap {
  assertConfigMapFits(name, data);
  const object = new ConfigMap({
    metadata: { name, ...(namespace ? { namespace } : {}), labels: toolkitLabels(component) },
    data: { ...data },
  });
  object.validate();
  return object;
}

/** The built files the scripts ConfigMap is made of: each check bundle by name (`tcp-check` → its .js). */
export interface ScriptBundles {
  readonly checks: Readonly<Record<string, string>>;
  readonly notify: string;
}

/** Keys are file names in the mount: `tcp-check` (the wrapper), `tcp-check.js`, `notify.sh`, the installer. */
export function scriptsData(bundles: ScriptBundles): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [check, bundle] of Object.entries(bundles.checks).sort(([a], [b]) => a.localeCompare(b))) {
    data[check] = checkWrapper(check);
    data[`${check}.js`] = bundle;
  }
  data[NOTIFY_SCRIPT] = bundles.notify;
  data[RUNTIME_INSTALLER] = installNodeRuntimeScript;
  return data;
}

export function scriptsConfigMap(bundles: ScriptBundles, namespace?: string): ConfigMap {
  return configMap(SCRIPTS_CONFIGMAP, 'scripts', scriptsData(bundles), namespace);
}

export function exporterConfigMap(exporterBundle: string, namespace?: string): ConfigMap {
  return configMap(EXPORTER_CONFIGMAP, 'exporter', { [EXPORTER_BUNDLE]: exporterBundle }, namespace);
}
