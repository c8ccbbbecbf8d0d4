/**
 * settings.env: the one file the administrator owns in a package folder, the settings of the checks
 * (and of the prober). kustomize's configMapGenerator makes it the settings ConfigMap, named after its
 * data, so that a change is a new pod template revision, rolled out one node at a time by the apply.
 * The first `ipft package` seeds it from the Deployment; a later one only reads it, and refuses a
 * line kustomize would take differently or a setting that belongs elsewhere, before writing anything.
 */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { UsageError } from '../core/errors.ts';
import {
  belongsInSettingsFile,
  knownSettingNames,
  type Mode,
  settingContainers,
} from '../core/setting-names.ts';
import { unknownSettings } from '../core/settings.ts';
import { names } from './layout.ts';

export const SETTINGS_FILE = 'settings.env';
/** Far above any real settings file; a file past it is not a settings file. */
export const SETTINGS_FILE_MAX_BYTES = 64 * 1024;

/** The settings the packager writes itself, from its flags: a line for one of them would be overridden. */
const PACKAGER_SETTINGS: Readonly<Record<string, string>> = {
  IPF_CHECKS: '--check',
  IPF_PROBER_PORT: '--prober-port',
  IPF_EXPORTER_PORT: '--exporter-port',
  IPF_POD_UID: 'the downward API',
  IPF_STATE_DIR: 'the package layout',
};

/** The flag (or source) of a setting the packager writes itself; undefined for the administrator's settings. */
export const packagerSetting = (name: string): string | undefined => PACKAGER_SETTINGS[name];

export type Settings = ReadonlyMap<string, string>;

const runner = (mode: Mode) => (mode === 'prober' ? names.proberContainer : 'keepalived');

/** A value as a message quotes it: JSON, so that control characters show, and cut to a short excerpt. */
export function excerpt(value: string, length = 40): string {
  return value.length > length ? `${JSON.stringify(value.slice(0, length))}…` : JSON.stringify(value);
}

/**
 * What kustomize (Go's unicode.IsSpace) trims from the start of a line. JavaScript's \s is another
 * set: it has U+FEFF and lacks U+0085, so it would take lines kustomize refuses.
 */
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const BOM = '\ufeff';
/**
 * The first control character but tab: NUL cannot be in an environment variable, and CR or ESC in a
 * setting is a mistake. C1 controls and U+2028/U+2029 too: YAML 1.1 (go-yaml, kustomize's output)
 * takes NEL and those two for line breaks, so the value would not read back as it was written.
 */
function firstControl(value: string): number {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (
      (code < 0x20 && code !== 0x09) ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029
    )
      return index;
  }
  return -1;
}

/** Why a value cannot be a line of settings.env, or undefined. */
export function valueProblem(name: string, value: string): string | undefined {
  const index = firstControl(value);
  if (index < 0) return undefined;
  return `${name}: expected a value without control characters, got ${excerpt(value)} (${JSON.stringify(value[index])} at ${index + 1})`;
}

/** Problems shown at most; the rest are counted, so that a file that is not a settings file does not fill the screen. */
const PROBLEMS_SHOWN = 10;

/**
 * The file's bytes as text. kustomize refuses a line that is not UTF-8; decoding it here would turn
 * such bytes into U+FFFD and take a value kustomize never makes.
 */
export function settingsText(bytes: Uint8Array, file: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes);
  } catch {
    const lines = Buffer.from(bytes).toString('latin1').split('\n');
    const bad = lines.findIndex((line) => {
      try {
        decoder.decode(Buffer.from(line, 'latin1'));
        return false;
      } catch {
        return true;
      }
    });
    throw new UsageError(
      `${file}:${bad + 1}: expected UTF-8 text, got bytes that are not (kustomize refuses them)`,
    );
  }
}

/**
 * The settings of the file's text, as kustomize reads an env file: lines end at LF, and a CR before
 * it is dropped; a BOM at the very start is dropped; leading white space is dropped, `#` starts a
 * comment line, and the value is everything after the first `=`, as it is (quotes and ` #` included).
 * A line without `=` would take its value from the environment of whoever runs kustomize, so it is
 * refused; so is a value with a control character.
 */
export function parseSettingsFile(text: string, file: string, mode: Mode): Settings {
  const settings = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith(BOM)) line = line.slice(BOM.length);
    line = line.replace(LEADING_SPACE, '');
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`${where}: expected NAME=VALUE, got ${excerpt(line)}`);
      return;
    }
    const value = line.slice(equals + 1);
    const misplaced = settingProblem(name, mode) ?? valueProblem(name, value);
    if (misplaced) problems.push(`${where}: ${misplaced}`);
    else if (settings.has(name)) problems.push(`${where}: ${name} is set twice; expected it once`);
    else settings.set(name, value);
  });
  if (problems.length > 0) {
    const more = problems.length - PROBLEMS_SHOWN;
    throw new UsageError(
      [
        ...problems.slice(0, PROBLEMS_SHOWN),
        ...(more > 0 ? [`${file}: and ${more} more problems`] : []),
      ].join('\n'),
    );
  }
  return settings;
}

/** Why the setting cannot be in settings.env in this mode, or undefined when it belongs there. */
function settingProblem(name: string, mode: Mode): string | undefined {
  if (!name.startsWith('IPF_')) {
    return `${name}: expected only IPF_* settings of the checks (the file is the environment of container ${runner(mode)})`;
  }
  const [unknown] = unknownSettings({ [name]: '' }, knownSettingNames);
  if (unknown) return unknown;
  const setBy = PACKAGER_SETTINGS[name];
  if (setBy) return `${name} is set by ipft package (${setBy}); expected it out of this file`;
  if (belongsInSettingsFile(name, mode)) return undefined;
  const readers = settingContainers(name, mode);
  return readers.length === 0
    ? `${name} is read by the prober only, which --mode ${mode} does not run; expected --mode prober, or the line removed`
    : `${name} is read by container ${readers.map((reader) => (reader === 'keepalived' ? 'keepalived' : `ipft-${reader}`)).join(' and ')}, not by ${runner(mode)}; expected it on that container in ipfailover-deployment.yaml`;
}

/** The first settings.env: what it is, and the settings the packager moved off the keepalived container. */
export function seedSettingsFile(mode: Mode, moved: readonly IEnvVar[]): string {
  for (const { name, value } of moved) {
    const problem = valueProblem(name, value ?? '');
    if (problem) throw new UsageError(`--from-deployment: ${problem}; move it into ${SETTINGS_FILE} by hand`);
  }
  return [
    `# The settings of the checks${mode === 'prober' ? ' and the prober' : ''}, NAME=VALUE a line (docs: the settings tables).`,
    `# Yours: ipft package wrote it once and never writes it again. It becomes the settings ConfigMap`,
    `# of container ${runner(mode)}; after a change, oc apply -k this folder rolls it out one node at a time.`,
    ...moved.map(({ name, value }) => `${name}=${value ?? ''}`),
    '',
  ].join('\n');
}

/** Whether the settings turn on the prober's reading of its Node, which needs the maintenance RBAC. */
export function readsNode(settings: Settings): boolean {
  return settings.get('IPF_MAINTENANCE_LABEL') === 'true' || settings.get('IPF_FOLLOW_CORDON') === 'true';
}
