import { metricNames } from '../exporter/metric-names.ts';
import type { Alert, HostView } from './observe.ts';
import { owners } from './observe.ts';

const bold = (text: string) => `\x1b[1m${text}\x1b[0m`;
const colour = (state: string) =>
  ({
    master: `\x1b[32m${state}\x1b[0m`,
    fault: `\x1b[31m${state}\x1b[0m`,
    backup: `\x1b[36m${state}\x1b[0m`,
  })[state] ?? state;

export type ViewMode = 'vips' | 'hosts';

/** What the interactive lab adds to the screen: the selection, its events, the tour and the keys. */
export interface ViewUi {
  readonly mode: ViewMode;
  /** The VIP (in the VIPs view) or the host (in the hosts view) that k and x act on. */
  readonly selected: string;
  readonly events: readonly string[];
  readonly narration: readonly string[];
  readonly legend: string;
  /** Seconds until the tour starts by itself; undefined once it has run. */
  readonly tourIn: number | undefined;
}

const marker = (on: boolean) => (on ? '\x1b[7m›\x1b[0m' : ' ');

/** The live screen: VIP owners, instance states per host, checks, recent transitions, alerts. */
export function renderView(
  views: readonly HostView[],
  firing: readonly Alert[] | undefined,
  started: number,
  ui?: ViewUi,
): string {
  const lines: string[] = [];
  lines.push(
    bold(
      `ipfailover-toolkit lab — ${views.length} hosts — up ${Math.round((Date.now() - started) / 1000)} s — Ctrl-C removes everything`,
    ),
    '',
  );
  const vipRows = [...owners(views)];
  const selectedVip = ui?.mode === 'vips' ? ui.selected : undefined;
  const selectedHost = ui?.mode === 'hosts' ? ui.selected : undefined;
  lines.push(bold(`VIP owners (${metricNames.vipPresent})${ui?.mode === 'vips' ? ' — selected: ›' : ''}`));
  for (const [vip, hosts] of vipRows) {
    const owner =
      hosts.length === 0
        ? '\x1b[31mnobody\x1b[0m'
        : hosts.length > 1
          ? `\x1b[31m${hosts.join(' + ')} (split brain)\x1b[0m`
          : hosts[0];
    lines.push(`${ui ? '' : ' '}${ui ? marker(vip === selectedVip) : ''} ${vip.padEnd(16)} ${owner}`);
  }
  lines.push('', bold(`instance states${ui?.mode === 'hosts' ? ' — selected host: ›' : ''}`));
  const names = [
    ...new Set(views.flatMap((view) => (view.instances ?? []).map((instance) => instance.name))),
  ];
  lines.push(
    `  ${''.padEnd(12)} ${views.map((view) => `${view.host.name === selectedHost ? '›' : ''}${view.host.name}`.padEnd(16)).join('')}`,
  );
  for (const name of names) {
    const cells = views.map((view) => {
      const instance = view.instances?.find((candidate) => candidate.name === name);
      const text = instance
        ? `${instance.state} ${instance.priority ?? ''}`
        : view.instances
          ? '-'
          : 'no exporter';
      return (
        colour(text.split(' ')[0] ?? '') +
        ` ${text.split(' ').slice(1).join(' ')}`.padEnd(16 - (text.split(' ')[0]?.length ?? 0))
      );
    });
    lines.push(`  ${name.padEnd(12)} ${cells.join('')}`);
  }
  lines.push('', bold('checks'));
  for (const view of views) {
    for (const check of view.checks) {
      lines.push(
        `  ${view.host.name} ${check.check.padEnd(12)} ${check.ok ? 'ok  ' : '\x1b[31mFAIL\x1b[0m'} ${check.duration_ms} ms ${check.reason}`,
      );
    }
  }
  lines.push('', bold('last transitions'));
  const recent = views
    .flatMap((view) => view.recent.map((transition) => ({ ...transition, host: view.host.name })))
    .sort((a, b) => b.ts - a.ts)
    .slice(0, 8);
  for (const transition of recent) {
    const time = new Date(transition.ts * 1000).toISOString().slice(11, 23);
    lines.push(
      `  ${time} ${transition.host} ${transition.vrrp_instance} ${transition.from} → ${colour(transition.to)}`,
    );
  }
  lines.push('', bold('alerts (Prometheus, shipped rules)'));
  if (!firing) lines.push('  Prometheus not answering yet');
  else if (firing.length === 0) lines.push('  none');
  for (const alert of firing ?? []) {
    lines.push(
      `  ${alert.state === 'firing' ? '\x1b[31mFIRING\x1b[0m ' : 'pending'} ${alert.name} ${alert.labels.vrrp_instance ?? alert.labels.node ?? ''}`,
    );
  }
  if (ui) {
    lines.push('', bold('what happened (actions, VIP moves timed to the first answer, alerts)'));
    if (ui.events.length === 0) lines.push('  nothing yet');
    for (const text of ui.events) lines.push(`  ${text}`);
    lines.push('', bold('tour'));
    if (ui.narration.length > 0) for (const text of ui.narration) lines.push(`  ${text}`);
    else if (ui.tourIn !== undefined)
      lines.push(`  starts by itself in ${ui.tourIn} s unless you press a key`);
    else lines.push('  press t to run it');
    lines.push('', `\x1b[2m${ui.legend}\x1b[0m`);
  }
  return lines.join('\n');
}
