import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lab, sleep } from './lab.ts';
import { servedBy } from './observe.ts';
import type { LabHost } from './runtime.ts';

/** What every scenario, the tour and the live view share: the report, and how they look at VIPs. */

export interface Report {
  /** What the scenario does now, printed at once: the steps a reader follows. */
  step(text: string): void;
  /** A finding, printed at once and repeated in the report. */
  line(text: string): void;
  /** Records a requirement; a false one fails the scenario. */
  expect(ok: boolean, what: string): void;
}

/**
 * How big a scenario runs. The default is each scenario's short form, which asserts its claims once
 * in a minute or so; the measuring forms take many runs and belong to a benchmark, not to CI.
 */
export interface ScenarioSize {
  /**
   * service-down: every check and interval over a grid of `phases` phases, against the stock check;
   * maintenance and rolling-restart: a SIGKILL of keepalived beside the cut link they are held to.
   */
  readonly grid: boolean;
  /** service-down: the phases per case (10 with `grid`, else 3). */
  readonly phases: number;
  /** cpu-pressure: the check runs per case. */
  readonly runs: number;
}

export const DEFAULT_SIZE: ScenarioSize = { grid: false, phases: 3, runs: 10 };
/** The measuring form: `--grid`, `--runs 300` (the figures in the README's Performance section). */
export const GRID_PHASES = 10;
export const GRID_SCENARIOS: readonly string[] = ['service-down', 'maintenance', 'rolling-restart'];

/**
 * A scenario leaves the lab as it found it (options, apps, links), and starts by waiting for the VIPs
 * to settle where it needs them: so it need not wait for them to settle at its end, a wait that a
 * scenario run alone would only spend before the lab stops.
 */
export type Scenario = (lab: Lab, report: Report, size: ScenarioSize) => Promise<void>;

/** Alerts that must stay quiet through a scenario: sampled while it runs and asserted at its end. */
export async function quiet(
  lab: Lab,
  report: Report,
  alerts: readonly string[],
  during: () => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const alert of await lab.firing()) seen.add(alert);
      await sleep(1000);
    }
  })();
  try {
    await during();
  } finally {
    sampling = false;
    await sampler;
  }
  for (const alert of alerts) report.expect(!seen.has(alert), `${alert} did not fire`);
}

/**
 * The scenarios that make one alert fire: `cause` runs, then the wait for `alert` (at most
 * `withinMs`), all inside quiet() so that `quietAlerts` must stay quiet meanwhile; then the report
 * records whether it fired and how many seconds after `since` (the event `cause` brought about).
 */
export async function expectAlertWhileQuiet(
  lab: Lab,
  report: Report,
  expected: { readonly alert: string; readonly withinMs: number; readonly since: string },
  quietAlerts: readonly string[],
  cause: () => Promise<void> = async () => {},
): Promise<void> {
  const { alert, withinMs, since } = expected;
  let fired: number | undefined;
  await quiet(lab, report, quietAlerts, async () => {
    await cause();
    fired = await lab.waitForAlert(alert, withinMs).catch(() => undefined);
  });
  report.expect(
    fired !== undefined,
    fired === undefined
      ? `${alert} did not fire within ${withinMs / 1000} s`
      : `${alert} fired ${fired.toFixed(0)} s after ${since}`,
  );
}

/** Nearest-rank percentile: p90 of 10 runs is the 9th. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Polls until a host other than `from` answers on `vip`; the host, or undefined after 20 s. */
export async function servedByAnother(vip: string, from: string): Promise<string | undefined> {
  const started = Date.now();
  while (Date.now() - started < 20_000) {
    const to = await servedBy(vip, 100);
    if (to !== undefined && to !== from) return to;
    await sleep(5);
  }
  return undefined;
}

/** One instance of a host's keepalived.conf, as `ipft render` wrote it for the lab. */
export interface RenderedInstance {
  readonly name: string;
  readonly startsMaster: boolean;
  readonly priority: number;
  readonly vips: readonly string[];
}

export function parseInstances(config: string, vips: readonly string[]): RenderedInstance[] {
  return config
    .split(/^vrrp_instance /m)
    .slice(1)
    .map((block) => ({
      name: block.split(/\s/)[0] ?? '',
      startsMaster: /^\s*state MASTER\s*$/m.test(block),
      priority: Number(/^\s*priority (\d+)\s*$/m.exec(block)?.[1] ?? 0),
      vips: vips.filter((vip) =>
        new RegExp(`^\\s*${vip.replaceAll('.', '\\.')}(?:/\\d+)?\\s`, 'm').test(block),
      ),
    }));
}

export function renderedInstances(host: LabHost, vips: readonly string[]): RenderedInstance[] {
  return parseInstances(readFileSync(join(host.dir, 'keepalived.conf'), 'utf8'), vips);
}

export interface PreferredHolder {
  readonly host: string;
  readonly instance: string;
  readonly priority: number;
  readonly startsMaster: boolean;
}

/** For each VIP, the host whose instance has the highest priority: where VRRP puts it when all is well. */
export function choosePreferred(
  hosts: readonly { readonly host: string; readonly instances: readonly RenderedInstance[] }[],
): Map<string, PreferredHolder> {
  const result = new Map<string, PreferredHolder>();
  for (const { host, instances } of hosts)
    for (const instance of instances)
      for (const vip of instance.vips) {
        const best = result.get(vip);
        if (!best || instance.priority > best.priority)
          result.set(vip, {
            host,
            instance: instance.name,
            priority: instance.priority,
            startsMaster: instance.startsMaster,
          });
      }
  return result;
}

export function preferredHolders(lab: Lab): Map<string, PreferredHolder> {
  return choosePreferred(
    lab.hosts.map((host) => ({ host: host.host.name, instances: renderedInstances(host, lab.vips) })),
  );
}

/**
 * Waits until every VIP is where VRRP puts it when all is well, and returns that placement. Not just
 * settled: a VIP whose preferred instance starts as BACKUP comes back only after preempt_delay, so a
 * placement that holds for a few seconds before that is not the one the lab returns to.
 */
export async function settleOnPreferred(lab: Lab, timeoutMs = 90_000): Promise<Map<string, string>> {
  const owners = new Map([...preferredHolders(lab)].map(([vip, holder]) => [vip, holder.host]));
  await lab.settleOn(owners, timeoutMs);
  return owners;
}
