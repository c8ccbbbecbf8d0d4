/**
 * The ConfigMaps that carry the toolkit into the pod, so that no image has to be built:
 *
 * - scripts, in the keepalived container: notify.sh, and verdict.sh (prober mode) or every check
 *   bundle with its bash wrapper and the runtime installer (one-shot mode);
 * - exporter and prober, one bundle each (each larger than all the checks together: one ConfigMap
 *   holds at most 1 MiB);
 * (the settings ConfigMap is kustomize's, from settings.env: packaging/settings-file.ts).
 *
 * The mounted ones are named after their data (`<name>-<8 hex of sha256>`) and immutable: the patch
 * names them, so that a change is a new pod template revision.
 */
import { createHash } from 'node:crypto';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { EXIT_FAILED, UserError } from '../core/errors.ts';
import { kib } from '../core/units.ts';
import {
  EXPORTER_BUNDLE,
  EXPORTER_CONFIGMAP,
  type Mode,
  NOTIFY_SCRIPT,
  PROBER_BUNDLE,
  PROBER_CONFIGMAP,
  RUNTIME_INSTALLER,
  SCRIPTS_CONFIGMAP,
  toolkitLabels,
  VERDICT_SCRIPT,
} from './layout.ts';
import { checkWrapper, installNodeRuntimeScript, type ShellTemplates } from './shell-templates.ts';

/** The API server refuses a ConfigMap whose data (keys and values, in bytes) exceeds 1 MiB. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/** A package that cannot be made from what was built: exit 1, and `npm run build` fails with it. */
export class PackageError extends UserError {
  constructor(message: string) {
    super(message, EXIT_FAILED);
  }
}

type ConfigMapData = Readonly<Record<string, string>>;

/** What the API server counts against the limit: the bytes of every key and every value. */
export function configMapDataBytes(data: ConfigMapData): number {
  return Object.entries(data).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

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

/** `<base>-<the first 8 hex digits of the sha256 of the data>`: keys sorted, each key and value length-prefixed. */
export function hashedName(base: string, data: ConfigMapData): string {
  const hash = createHash('sha256');
  for (const [key, value] of Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const part of [key, value]) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  }
  return `${base}-${hash.digest('hex').slice(0, 8)}`;
}

function configMap(
  name: string,
  component: string,
  data: ConfigMapData,
  namespace: string | undefined,
): ConfigMap {
  assertConfigMapFits(name, data);
  const object = new ConfigMap({
    metadata: { name, ...(namespace ? { namespace } : {}), labels: toolkitLabels(component) },
    immutable: true,
    data: { ...data },
  });
  object.validate();
  return object;
}

/** The built files the scripts ConfigMap is made of: each check bundle by name (`tcp-check` → its .js). */
interface ScriptBundles {
  readonly checks: Readonly<Record<string, string>>;
  readonly notify: string;
  readonly verdict: string;
  /** The shell templates (the one-shot wrapper and runtime installer among them), before their values are filled in. */
  readonly shellTemplates: ShellTemplates;
}

/**
 * Keys are file names in the mount. One-shot: `tcp-check` (the wrapper), `tcp-check.js`, …,
 * `notify.sh`, the installer. Prober: `verdict.sh` and `notify.sh`, bash both: no Node.js at all.
 */
export function scriptsData(bundles: ScriptBundles, mode: Mode): Record<string, string> {
  const data: Record<string, string> = {};
  if (mode === 'prober') {
    data[VERDICT_SCRIPT] = bundles.verdict;
    data[NOTIFY_SCRIPT] = bundles.notify;
    return data;
  }
  for (const [check, bundle] of Object.entries(bundles.checks).sort(([a], [b]) => a.localeCompare(b))) {
    data[check] = checkWrapper(bundles.shellTemplates, check);
    data[`${check}.js`] = bundle;
  }
  data[NOTIFY_SCRIPT] = bundles.notify;
  data[RUNTIME_INSTALLER] = installNodeRuntimeScript(bundles.shellTemplates);
  return data;
}

export const exporterData = (bundle: string) => ({ [EXPORTER_BUNDLE]: bundle });
export const proberData = (bundle: string) => ({ [PROBER_BUNDLE]: bundle });
/** The hashed ConfigMap names the patch refers to; `prober` only in prober mode. */
export interface ConfigMapNames {
  readonly scripts: string;
  readonly exporter: string;
  readonly prober: string | undefined;
}

export interface ToolkitBundles extends ScriptBundles {
  readonly exporter: string;
  readonly prober: string;
}

interface ToolkitConfigMaps {
  readonly scripts: ConfigMap;
  readonly exporter: ConfigMap;
  /** Prober mode only. */
  readonly prober: ConfigMap | undefined;
}

/** Every ConfigMap of the package, validated, each within 1 MiB (else a PackageError). */
export function toolkitConfigMaps(
  bundles: ToolkitBundles,
  mode: Mode,
  namespace?: string,
): ToolkitConfigMaps {
  const named = (base: string, component: string, data: ConfigMapData) => {
    // Checked under the base name first: the hash of data that does not fit names nothing.
    assertConfigMapFits(base, data);
    return configMap(hashedName(base, data), component, data, namespace);
  };
  return {
    scripts: named(SCRIPTS_CONFIGMAP, 'scripts', scriptsData(bundles, mode)),
    exporter: named(EXPORTER_CONFIGMAP, 'exporter', exporterData(bundles.exporter)),
    prober: mode === 'prober' ? named(PROBER_CONFIGMAP, 'prober', proberData(bundles.prober)) : undefined,
  };
}
