import { externalIpSettings } from '../checks/externalip/settings.ts';
import { httpSettings } from '../checks/http/settings.ts';
import { proberSettings } from '../checks/prober/settings.ts';
import { tcpSettings } from '../checks/tcp/settings.ts';
import { probeSettings } from '../core/common-settings.ts';
import { TOOLKIT_CONTAINERS } from '../core/ipfailover/deployment.ts';
import { type Container, isSettingName, type Mode, settingContainers } from '../core/setting-names.ts';
import type { Setting, SettingSpec } from '../core/settings.ts';
import { exporterSettings } from '../exporter/settings.ts';

/** Every setting of the toolkit, by the part that reads it: the README's tables and the tests. */
const sections: readonly (readonly [string, SettingSpec])[] = [
  ['Every check', probeSettings],
  ['tcp-check', tcpSettings],
  ['http-check', httpSettings],
  ['externalip-check', externalIpSettings],
  ['prober and verdict.sh', proberSettings],
  ['exporter', exporterSettings],
];

/** Every setting of every spec by its variable; a name in several specs is one setting, spread from a shared spec. */
export const settingsByName: ReadonlyMap<string, Setting<unknown>> = new Map(
  sections.flatMap(([, spec]) => Object.entries(spec)),
);

/** The IPF_* names of every spec; core/setting-names.ts must list exactly these. */
export const specSettingNames: ReadonlySet<string> = new Set(
  [...settingsByName.keys()].filter((name) => name.startsWith('IPF_')),
);

const containerNames: Readonly<Record<Container, string>> = {
  keepalived: 'keepalived',
  prober: TOOLKIT_CONTAINERS.prober,
  exporter: TOOLKIT_CONTAINERS.exporter,
};

/** The containers that read the setting in the mode, as a table cell; the image's and the platform's variables come with the pod. */
function readersCell(name: string, mode: Mode): string {
  if (!isSettingName(name)) return '(from the pod)';
  const readers = settingContainers(name, mode);
  return readers.length === 0 ? '(not read)' : readers.map((reader) => containerNames[reader]).join(', ');
}

/** The README's settings tables, generated here so the two cannot drift apart. */
export function settingsTables(): string {
  const seen = new Set<string>();
  return sections
    .map(([title, spec]) => {
      const rows = Object.entries(spec)
        .filter(([name]) => !seen.has(name))
        .map(([name, setting]) => {
          seen.add(name);
          const fallback = setting.fallback === undefined ? '(unset)' : `\`${setting.fallback}\``;
          return `| \`${name}\` | ${fallback} | ${readersCell(name, 'prober')} | ${readersCell(name, 'oneshot')} | ${setting.doc.replaceAll('|', '\\|')} |`;
        });
      return [
        `#### ${title}`,
        '',
        '| variable | default | read in prober mode by | read in one-shot mode by | meaning |',
        '|---|---|---|---|---|',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}
