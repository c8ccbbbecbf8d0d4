import {
  belongsInSettingsFile,
  type Container,
  isSettingName,
  knownSettingNames,
  type Mode,
  settingContainers,
} from '../../setting-names.ts';
import { closest } from '../../settings.ts';
import { type PodContainer, podContainer, TOOLKIT_CONTAINERS, toolkitMode } from '../deployment.ts';
import { defineRule, eachDeployment, type IpfailoverDeployment, type Severity } from './rule.ts';

const modeText: Readonly<Record<Mode, string>> = { prober: 'prober mode', oneshot: 'one-shot mode' };

/**
 * Each IPF_* setting is read by one part of the toolkit, and so by one container per mode
 * (core/setting-names.ts). Set on another container it is ignored, or worse: in prober mode verdict.sh
 * refuses the prober's and the checks' settings in keepalived's environment, so that such a setting
 * cannot be ignored in silence, and then every run fails and every VIP on every node goes to FAULT. A
 * name the toolkit does not know stops every toolkit process that reads it (the check bundle, the
 * prober, the exporter). Only literal env is read: envFrom ConfigMaps are not in the manifest.
 */
export const misplacedSetting = defineRule({
  id: 'misplaced-setting',
  summary:
    'an `IPF_*` setting on a container that does not read it in the deployment’s mode (an error where it fails every run: a prober or check setting on the keepalived container in prober mode), or a name the toolkit does not know',
  check: eachDeployment((deployment) => {
    const mode = toolkitMode(deployment);
    return containersOf(deployment).flatMap(({ role, container }) =>
      lastEntries(container).flatMap((entry) => {
        const path = [...container.path, 'env', entry.index, ...(entry.value === undefined ? [] : ['value'])];
        const on = describe(role, deployment);
        if (!isSettingName(entry.name)) {
          const suggestion = closest(entry.name, knownSettingNames);
          const refused = mode === undefined ? undefined : refusesUnknown(role, mode);
          const severity: Severity = refused ? 'error' : 'warning';
          return [
            {
              path,
              severity,
              message: `${entry.name}: set in ${on}, but the toolkit has no setting of that name${refused ? `: ${refused}` : ''}; did you mean ${suggestion}?`,
              fix: `Rename it to ${suggestion} if that is the setting meant, or remove it.`,
            },
          ];
        }
        // A Deployment without the toolkit: nothing reads a known name yet, and ipft package places it.
        if (mode === undefined) return [];
        const readers = settingContainers(entry.name, mode);
        if (readers.includes(role)) return [];
        const refused = mode === 'prober' && role === 'keepalived' && belongsInSettingsFile(entry.name, mode);
        const severity: Severity = refused ? 'error' : 'warning';
        const expected =
          readers.length === 0
            ? `no container reads it in ${modeText[mode]}`
            : `in ${modeText[mode]} ${readers.map((reader) => describe(reader, deployment)).join(' and ')} ${readers.length === 1 ? 'reads' : 'read'} it`;
        return [
          {
            path,
            severity,
            message: refused
              ? `${entry.name}: set in ${on}, where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; ${expected}`
              : `${entry.name}: set in ${on}, which ignores it; ${expected}`,
            fix: fixFor(entry.name, mode, readers, deployment),
          },
        ];
      }),
    );
  }),
});

/** What a toolkit process in the container does with an IPF_* name it does not know, when it refuses it. */
function refusesUnknown(role: Container, mode: Mode): string | undefined {
  if (role === 'prober') return 'the prober refuses to start on it, so every run fails';
  if (role === 'exporter') return 'the exporter refuses to start on it';
  // verdict.sh refuses the prober's and the checks' settings, not a name for not being known.
  return mode === 'oneshot' ? 'the check bundle fails every run on it' : undefined;
}

/** The toolkit's containers of the pod, keepalived's first, each with its role in the table. */
function containersOf(deployment: IpfailoverDeployment): { role: Container; container: PodContainer }[] {
  const found: { role: Container; container: PodContainer | undefined }[] = [
    { role: 'keepalived', container: deployment.keepalived },
    { role: 'prober', container: podContainer(deployment, TOOLKIT_CONTAINERS.prober) },
    { role: 'exporter', container: podContainer(deployment, TOOLKIT_CONTAINERS.exporter) },
  ];
  return found.flatMap(({ role, container }) => (container ? [{ role, container }] : []));
}

/** The IPF_* entries of a container, each name once at its last entry, which is the one the process gets. */
function lastEntries(container: PodContainer): PodContainer['env'] {
  const last = new Map(container.env.map((entry) => [entry.name, entry]));
  return [...last.values()].filter(({ name }) => name.startsWith('IPF_')).sort((a, b) => a.index - b.index);
}

function describe(role: Container, deployment: IpfailoverDeployment): string {
  if (role === 'keepalived') return `the keepalived container (${String(deployment.keepalived.body.name)})`;
  return TOOLKIT_CONTAINERS[role];
}

function fixFor(name: string, mode: Mode, readers: readonly Container[], deployment: IpfailoverDeployment) {
  if (readers.length === 0) return `Remove ${name}: only prober mode reads it.`;
  if (belongsInSettingsFile(name, mode)) {
    return `Move ${name} to settings.env in the folder ipft package wrote (the settings ConfigMap of ${mode === 'prober' ? TOOLKIT_CONTAINERS.prober : 'the keepalived container'}), and apply it again.`;
  }
  return `Move ${name} to the env of ${readers.map((reader) => describe(reader, deployment)).join(' and ')}.`;
}
