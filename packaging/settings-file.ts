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

/**
 * The settings of the file's text, as kustomize reads an env file: leading white space is dropped,
 * `#` starts a comment line, and the value is everything after the first `=`, as it is. A line
 * without `=` would take its value from the environment of whoever runs kustomize, so it is refused.
 */
export function parseSettingsFile(text: string, file: string, mode: Mode): Settings {
  const settings = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`${where}: expected NAME=VALUE, got ${JSON.stringify(line.slice(0, 40))}`);
      return;
    }
    const misplaced = settingProblem(name, mode);
    if (misplaced) problems.push(`${where}: ${misplaced}`);
    else if (settings.has(name)) problems.push(`${where}: ${name} is set twice; expected it once`);
    else settings.set(name, line.slice(equals + 1));
  });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
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
    if ((value ?? '').includes('\n')) {
      throw new UsageError(
        `--from-deployment: ${name}: expected a value of one line to move into ${SETTINGS_FILE}, got one of ${(value ?? '').split('\n').length} lines; move it by hand`,
      );
    }
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
