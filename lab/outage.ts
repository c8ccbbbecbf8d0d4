import { counted } from '../core/plural.ts';
import { metricNames } from '../exporter/metric-names.ts';
import { probeTcp } from '../exporter/reach.ts';
import { median } from '../testkit/statistics.ts';
import { type Lab, sleep } from './lab.ts';
import { get, servedBy } from './observe.ts';
import { blackhole, type LabHost } from './runtime.ts';
import {
  expectAlertWhileQuiet,
  type Report,
  renderedInstances,
  type Scenario,
  type ScenarioSize,
  servedByAnother,
  settleOnPreferred,
} from './scenario-kit.ts';
import { APP_PORT, EXPORTER_PORT } from './topology.ts';

/** How often the client asks every VIP, and how long it waits for each answer. */
export const REQUEST_EVERY_MS = 20;
export const REQUEST_TIMEOUT_MS = 200;

interface Sample {
  readonly sentAt: number;
  /** The host that answered, or undefined: refused, reset or no answer in time. */
  readonly by: string | undefined;
}

/** One stretch of failed requests to a VIP, as a client saw it. */
export interface Gap {
  readonly vip: string;
  /** Who answered before it, and who answered first after it (undefined: nobody, up to the end). */
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly startedAt: number;
  /** From the first failed request to the first answered one: 20 ms resolution. */
  readonly ms: number;
  readonly failed: number;
}

/**
 * The gaps in a series of samples between `since` and `until`, ordered by when each request was
 * sent (answers come back out of order: a timed-out request ends 200 ms after later ones).
 */
export function gapsIn(vip: string, samples: readonly Sample[], since: number, until: number): Gap[] {
  const gaps: Gap[] = [];
  let open: { startedAt: number; failed: number; from: string | undefined } | undefined;
  let last: string | undefined;
  // Samples before `since` only tell who answered last.
  const upToUntil = samples.filter((sample) => sample.sentAt <= until).sort((a, b) => a.sentAt - b.sentAt);
  for (const sample of upToUntil) {
    if (sample.sentAt < since) {
      if (sample.by !== undefined) last = sample.by;
      continue;
    }
    if (sample.by === undefined) {
      open ??= { startedAt: sample.sentAt, failed: 0, from: last };
      open.failed += 1;
      continue;
    }
    if (open) gaps.push({ vip, ...open, to: sample.by, ms: sample.sentAt - open.startedAt });
    open = undefined;
    last = sample.by;
  }
  if (open) gaps.push({ vip, ...open, to: undefined, ms: until - open.startedAt });
  return gaps;
}

/**
 * A client in the client namespace: a fresh HTTP request to every VIP every 20 ms, each answer
 * recorded with the host that gave it. New connections, as a client that reconnects makes them.
 */
export class OutageRecorder {
  private readonly samples = new Map<string, Sample[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  /**
   * `http`: a GET answered by the app, as a client of the service sees it. `tcp`: any answer to a
   * connect, a RST included, as the exporters' reachability probes count it (a host whose app died
   * still answers with a RST while it holds the VIP).
   */
  constructor(
    private readonly vips: readonly string[],
    private readonly how: 'http' | 'tcp' = 'http',
  ) {
    for (const vip of vips) this.samples.set(vip, []);
  }

  private ask(vip: string): Promise<string | undefined> {
    if (this.how === 'http') return servedBy(vip, REQUEST_TIMEOUT_MS);
    return probeTcp(vip, APP_PORT, REQUEST_TIMEOUT_MS).then((result) =>
      result.reachable ? 'answered' : undefined,
    );
  }

  start(): void {
    this.timer ??= setInterval(() => {
      for (const vip of this.vips) {
        const sentAt = Date.now();
        const request = this.ask(vip).then((by) => {
          this.samples.get(vip)?.push({ sentAt, by });
          this.inFlight.delete(request);
        });
        this.inFlight.add(request);
      }
    }, REQUEST_EVERY_MS);
  }

  /** Every request sent so far has its answer (or its timeout). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** The gaps of every VIP between two instants; call after the requests up to `until` are answered. */
  async gaps(since: number, until: number = Date.now()): Promise<Gap[]> {
    await this.flush();
    return this.vips.flatMap((vip) => gapsIn(vip, this.samples.get(vip) ?? [], since, until));
  }
}

/** One exporter's unreachable-period histogram for a VIP: what it has observed so far. */
async function observedOutages(host: LabHost, vip: string): Promise<{ sum: number; count: number }> {
  const body = (await get(`http://${host.host.address}:${EXPORTER_PORT}/metrics`))?.body ?? '';
  const value = (part: 'sum' | 'count') =>
    Number(
      new RegExp(
        `^${metricNames.vipUnreachable}_${part}\\{vip="${vip.replaceAll('.', '\\.')}"\\} (\\S+)$`,
        'm',
      ).exec(body)?.[1] ?? 0,
    );
  return { sum: value('sum'), count: value('count') };
}

/** One failover as the exporters saw it, beside the lab client's own network-level gap. */
export interface ObservedFailover {
  /** The sum of the client's connect-level gaps (a RST is an answer, as for the exporters). */
  readonly clientMs: number;
  /** Each exporter that observed the period, with the sum of what it observed. */
  readonly observers: readonly { readonly host: string; readonly ms: number }[];
}

/**
 * The exporters' ipfailover_vip_unreachable_seconds against a client in the client namespace that
 * counts answers as they do: snapshot every exporter before a failover, and again once it is over.
 */
export class ExporterComparison {
  private readonly recorder: OutageRecorder;
  private before = new Map<string, { sum: number; count: number }>();
  private startedAt = 0;

  constructor(
    private readonly lab: Lab,
    private readonly vip: string,
  ) {
    this.recorder = new OutageRecorder([vip], 'tcp');
  }

  start(): void {
    this.recorder.start();
  }

  stop(): Promise<void> {
    return this.recorder.stop();
  }

  async beforeFailover(): Promise<void> {
    this.before = new Map();
    this.startedAt = Date.now();
    for (const host of this.lab.hosts) this.before.set(host.host.name, await observedOutages(host, this.vip));
  }

  /** After the new owner answers: a second for the exporters' next probes (every 100 ms in the lab). */
  async afterFailover(): Promise<ObservedFailover> {
    await sleep(1000);
    const gaps = await this.recorder.gaps(this.startedAt);
    const observers = [];
    for (const host of this.lab.hosts) {
      const now = await observedOutages(host, this.vip);
      const was = this.before.get(host.host.name) ?? { sum: 0, count: 0 };
      if (now.count > was.count)
        observers.push({ host: host.host.name, ms: Math.round((now.sum - was.sum) * 1000) });
    }
    return { clientMs: gaps.reduce((sum, gap) => sum + gap.ms, 0), observers };
  }
}

/** What one VIP's client saw in one step: its gaps added up, and the bound the step must keep. */
export interface VipOutage {
  readonly vip: string;
  readonly ms: number;
  readonly failed: number;
  readonly gaps: readonly Gap[];
}

/**
 * Per VIP: the sum of its gaps and of their failed requests, for every VIP that had a gap and every
 * VIP `concerned` (those the step moves), which shows 0 ms when the client missed no answer.
 */
export function perVip(gaps: readonly Gap[], concerned: readonly string[] = []): VipOutage[] {
  const byVip = new Map<string, Gap[]>(concerned.map((vip) => [vip, []]));
  for (const gap of gaps) byVip.set(gap.vip, [...(byVip.get(gap.vip) ?? []), gap]);
  return [...byVip].map(([vip, list]) => ({
    vip,
    ms: list.reduce((sum, gap) => sum + gap.ms, 0),
    failed: list.reduce((sum, gap) => sum + gap.failed, 0),
    gaps: list,
  }));
}

/** A row of the outage table: one kind of event, over every VIP that had a gap in it. */
export interface OutageRow {
  readonly label: string;
  readonly outages: readonly VipOutage[];
}

export function outageTable(rows: readonly OutageRow[]): string[] {
  const lines = [
    `client-visible outage (a new request to every VIP every ${REQUEST_EVERY_MS} ms, ${REQUEST_TIMEOUT_MS} ms timeout; per VIP that moved or had a gap):`,
    `  ${'case'.padEnd(40)} VIPs  median     max  failed requests`,
  ];
  for (const { label, outages } of rows) {
    const ms = outages.map((outage) => outage.ms);
    const failed = outages.reduce((sum, outage) => sum + outage.failed, 0);
    lines.push(
      `  ${label.padEnd(40)} ${String(outages.length).padStart(4)} ${(ms.length ? `${median(ms)} ms` : '-').padStart(7)} ${(ms.length ? `${Math.max(...ms)} ms` : '-').padStart(7)}  ${failed}`,
    );
  }
  return lines;
}

/**
 * VRRP's skew time of a host's instance for a VIP, (256 − priority) / 256 of the advertisement
 * interval (1 s: the image sets no advert_int): how long a backup waits after a priority-0 goodbye.
 */
export function skewMs(lab: Lab, host: string, vip: string): number {
  const instance = renderedInstances(lab.host(host), [vip]).find((entry) => entry.vips.includes(vip));
  return instance ? ((256 - instance.priority) / 256) * 1000 : 1000;
}

/**
 * Each VIP's outage in a step must stay within the skew time of whoever took it, plus 0.3 s; a VIP
 * without a gap is held to the skew time of the host that holds it now.
 */
function expectWithinSkew(
  lab: Lab,
  report: Report,
  owners: ReadonlyMap<string, string>,
  row: OutageRow,
): void {
  for (const outage of row.outages) {
    const takers = outage.gaps.length > 0 ? outage.gaps.map((gap) => gap.to) : [owners.get(outage.vip)];
    const bound = Math.max(...takers.map((to) => (to === undefined ? 0 : skewMs(lab, to, outage.vip)))) + 300;
    const path = outage.gaps.map((gap) => `${gap.from ?? '?'} → ${gap.to ?? 'nobody'}`).join(', ');
    report.expect(
      takers.every((to) => to !== undefined) && outage.ms <= bound,
      `${row.label}: ${outage.vip} unreachable ${outage.ms} ms (${outage.failed} failed requests${path ? `; ${path}` : ''}) ≤ skew time + 300 ms = ${Math.round(bound)} ms`,
    );
  }
}

/** Waits until none of `vips` is served by `host` any more, or fails the report for the ones that stay. */
async function waitUntilMovedOff(report: Report, host: string, vips: readonly string[]): Promise<void> {
  for (const vip of vips) {
    const to = await servedByAnother(vip, host);
    report.expect(to !== undefined, `${vip} moved off ${host}${to ? ` to ${to}` : ''}`);
  }
}

/** The host that holds the most VIPs: the most to move, and the crash cases hit the same one. */
function busiest(lab: Lab, owners: ReadonlyMap<string, string>): string {
  const names = lab.hosts.map((candidate) => candidate.host.name);
  return names.sort((a, b) => heldBy(owners, b).length - heldBy(owners, a).length)[0] ?? '';
}

/** The VIPs each host holds now. */
function heldBy(owners: ReadonlyMap<string, string>, host: string): string[] {
  return [...owners].filter(([, holder]) => holder === host).map(([vip]) => vip);
}

/**
 * The crash the graceful paths are compared with, on the host that holds the most VIPs: keepalived
 * SIGKILLed, or the host's link cut (a dead node: not even a priority-0 goodbye). Then it is restored
 * and the VIPs go back where they were.
 */
async function nodeDownRow(
  lab: Lab,
  report: Report,
  recorder: OutageRecorder,
  how: 'sigkill' | 'link',
): Promise<OutageRow> {
  const owners = await settleOnPreferred(lab);
  const name = busiest(lab, owners);
  const victim = lab.host(name);
  const label =
    how === 'sigkill' ? `node-down: keepalived SIGKILLed on ${name}` : `node-down: link of ${name} cut`;
  report.step(`${label} (the crash to compare with)`);
  const started = Date.now();
  if (how === 'sigkill') await victim.stopKeepalived('SIGKILL');
  else await victim.setLink(false);
  await waitUntilMovedOff(report, name, heldBy(owners, name));
  await sleep(1000);
  const outages = perVip(await recorder.gaps(started), heldBy(owners, name));
  if (how === 'sigkill') await victim.startKeepalived(lab.options);
  else await victim.setLink(true);
  await lab.settleOn(owners, 90_000);
  return { label, outages };
}

/**
 * The crashes to compare with: a cut link, the one the graceful paths are held to; with `--grid` also
 * a SIGKILL of keepalived, shown beside it (its VRRP child still says goodbye: no target).
 */
async function crashRows(
  lab: Lab,
  report: Report,
  recorder: OutageRecorder,
  size: ScenarioSize,
): Promise<{ rows: OutageRow[]; cut: OutageRow }> {
  const killed = size.grid ? [await nodeDownRow(lab, report, recorder, 'sigkill')] : [];
  const cut = await nodeDownRow(lab, report, recorder, 'link');
  return { rows: [...killed, cut], cut };
}

/** Fails the report for every VIP whose graceful outage was longer than the longest crash outage. */
function expectNoLongerThanACrash(report: Report, graceful: readonly OutageRow[], crash: OutageRow): void {
  const worst = Math.max(0, ...crash.outages.map((outage) => outage.ms));
  for (const row of graceful)
    for (const outage of row.outages)
      report.expect(
        outage.ms <= worst,
        `${row.label}: ${outage.vip} unreachable ${outage.ms} ms ≤ the longest outage of "${crash.label}", ${worst} ms`,
      );
}

async function withRecorder<T>(lab: Lab, during: (recorder: OutageRecorder) => Promise<T>): Promise<T> {
  const recorder = new OutageRecorder(lab.vips);
  recorder.start();
  try {
    return await during(recorder);
  } finally {
    await recorder.stop();
  }
}

export const outageScenarios: Record<string, Scenario> = {
  /**
   * Port security, or a firewall: the bridge drops every frame to one VIP while its owner keeps it.
   * Only the exporters' reachability probes can see it: VIPUnreachable fires, and the alerts that
   * read VRRP state and addresses stay quiet. Then the rule goes: the alert resolves.
   */
  blackhole: async (lab, report) => {
    const owners = await lab.settle();
    const vip = lab.vips[0] ?? '';
    const owner = owners.get(vip) ?? '';
    report.step(`dropping every frame to ${vip} on the bridge (nft, bridge family) while ${owner} holds it`);
    await blackhole(vip, true);
    try {
      await expectAlertWhileQuiet(
        lab,
        report,
        { alert: 'VIPUnreachable', withinMs: 150_000, since: 'the drop' },
        ['VIPSplitBrain', 'VIPNoMaster', 'StateMismatch'],
        async () => report.step('waiting for VIPUnreachable (for: 1m)'),
      );
      report.expect((await servedBy(vip, 1000)) === undefined, `a client cannot reach ${vip} either`);
      const holders = (await lab.owners()).get(vip) ?? [];
      report.expect(
        holders.length === 1 && holders[0] === owner,
        `${owner} still holds ${vip}: VRRP sees nothing wrong`,
      );
    } finally {
      report.step('removing the rule');
      await blackhole(vip, false);
    }
    const removed = Date.now();
    while ((await lab.firing()).includes('VIPUnreachable') && Date.now() - removed < 60_000)
      await sleep(1000);
    const firing = (await lab.firing()).includes('VIPUnreachable');
    report.expect(
      !firing,
      firing
        ? 'VIPUnreachable still firing 60 s after the rule went'
        : `VIPUnreachable resolved ${((Date.now() - removed) / 1000).toFixed(0)} s after the rule went`,
    );
  },

  /**
   * The master of the first VIP goes into maintenance (its IPF_MAINTENANCE_FILE, the lab's stand-in
   * for the Node label): the prober fails every check there, keepalived resigns with priority 0 and
   * the backups take over after their skew time. Then out of maintenance: the VIPs come back under
   * preemption. A client's outage of each VIP, both ways, beside the crash cases.
   */
  maintenance: (lab, report, size) =>
    withRecorder(lab, async (recorder) => {
      const owners = await settleOnPreferred(lab);
      const name = busiest(lab, owners);
      const host = lab.host(name);
      const held = heldBy(owners, name);
      report.step(`${name} into maintenance (touch ${host.maintenanceFile}): it holds ${held.join(', ')}`);
      const left = Date.now();
      host.setMaintenance(true);
      await waitUntilMovedOff(report, name, held);
      await sleep(1000);
      const leaving: OutageRow = {
        label: `maintenance: VIPs leave ${name}`,
        outages: perVip(await recorder.gaps(left), held),
      };
      report.step(
        `${name} out of maintenance (rm ${host.maintenanceFile}): its VIPs come back under preemption`,
      );
      const returned = Date.now();
      host.setMaintenance(false);
      // Settled: every VIP answered where it is for the last 3 s, so no gap is still open.
      await lab.settleOn(owners, 90_000);
      const returning: OutageRow = {
        label: `maintenance: VIPs return to ${name}`,
        outages: perVip(await recorder.gaps(returned), held),
      };
      const crashes = await crashRows(lab, report, recorder, size);
      for (const line of outageTable([leaving, returning, ...crashes.rows])) report.line(line);
      report.expect(held.length > 0, `${name} held ${counted(held.length, 'VIP')} to move`);
      const settled = await lab.settle();
      expectWithinSkew(lab, report, settled, leaving);
      expectWithinSkew(lab, report, settled, returning);
      expectNoLongerThanACrash(report, [leaving, returning], crashes.cut);
    }),

  /**
   * A rollout, one host at a time: keepalived (and the prober) stopped with SIGTERM, as the kubelet
   * stops a pod, and started again once its VIPs are elsewhere, as the replacement pod would be.
   * keepalived's SIGTERM resigns with priority 0. A client's outage of each VIP per step.
   */
  'rolling-restart': (lab, report, size) =>
    withRecorder(lab, async (recorder) => {
      const owners = await settleOnPreferred(lab);
      const rows: OutageRow[] = [];
      for (const host of lab.hosts) {
        const name = host.host.name;
        const held = heldBy(owners, name);
        report.step(
          `stopping ${name}'s keepalived and prober (SIGTERM); it holds ${held.join(', ') || 'no VIP'}`,
        );
        const started = Date.now();
        await host.stopKeepalived('SIGTERM');
        await host.stopProber('SIGTERM');
        await waitUntilMovedOff(report, name, held);
        await sleep(1000);
        report.step(`starting ${name} again, as its replacement pod; waiting for every VIP to settle back`);
        await lab.startChecks(host, lab.options);
        // Settled: every VIP answered where it is for the last 3 s, so no gap is still open.
        await lab.settleOn(owners, 90_000);
        rows.push({ label: `rolling restart: ${name}`, outages: perVip(await recorder.gaps(started), held) });
      }
      const crashes = await crashRows(lab, report, recorder, size);
      for (const line of outageTable([...rows, ...crashes.rows])) report.line(line);
      const settled = await lab.settle();
      for (const row of rows) expectWithinSkew(lab, report, settled, row);
      expectNoLongerThanACrash(report, rows, crashes.cut);
    }),
};
