import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageValue } from '../core/ipfailover/image-env.ts';
import { metricNames } from '../exporter/metric-names.ts';
import { median } from '../testkit/statistics.ts';
import { type Lab, sleep } from './lab.ts';
import { get, servedBy } from './observe.ts';
import { ExporterComparison, type ObservedFailover, outageScenarios } from './outage.ts';
import { CpuLimit, type LabHost, type LabOptions, modeOptions, partition, WORKDIR } from './runtime.ts';
import {
  expectAlertWhileQuiet,
  type PreferredHolder,
  percentile,
  preferredHolders,
  quiet,
  type Report,
  renderedInstances,
  type Scenario,
  servedByAnother,
} from './scenario-kit.ts';
import { EXPORTER_PORT } from './topology.ts';

/** Scenarios about the prober itself; `--mode oneshot` runs the others. */
export const PROBER_ONLY: ReadonlySet<string> = new Set(['prober-down', 'cpu-pressure', 'maintenance']);

/**
 * The scenarios whose outcome the check's own code decides, in whichever mode: when it sees the app
 * die and recover (service-down kills and restores it at each phase). CI runs these in one-shot mode
 * too. The others exercise VRRP, the notify hook, the alerts and the exporters around a check that
 * fails or passes, the same in either mode; the one-shot check's FALL count (flap) is held on every
 * Node.js release by test/bundles.test.ts.
 */
export const CHECK_DEPENDENT: readonly string[] = ['service-down'];

export interface FailoverRun {
  readonly ms: number;
  readonly from: string;
  readonly to: string;
  readonly boundMs: number;
}

/** The soft-failure bound: the check interval plus the new master's skew time, (256 − priority)/256 s. */
async function failoverBoundMs(lab: Lab, vip: string, to: string | undefined): Promise<number> {
  const priority =
    (await lab.views())
      .find((view) => view.host.name === to)
      ?.instances?.find((instance) => instance.vips.some((entry) => entry.vip === vip))?.priority ?? 1;
  const interval = Number(imageValue(lab.options.imageEnv, 'OPENSHIFT_HA_CHECK_INTERVAL'));
  return interval * 1000 + ((256 - priority) / 256) * 1000;
}

/**
 * Kills the app on the host serving `vip` `phaseMs` after that host's check connected to it, and
 * measures until the first successful request to the VIP that another host answers. Restores the
 * app and waits for the VIP to come back (preemption), so the next run starts alike. The bound is
 * the check interval plus the new master's VRRP skew time.
 */
export async function measureFailover(
  lab: Lab,
  vip: string,
  phaseMs: number,
  comparison?: ExporterComparison,
): Promise<FailoverRun & { observed?: ObservedFailover }> {
  await lab.settle();
  const from = (await servedBy(vip)) ?? '';
  const owner = lab.host(from);
  // Before the phase is timed: its scrapes would shift the kill off the grid.
  await comparison?.beforeFailover();
  await lab.afterNextCheck(owner);
  await sleep(phaseMs);
  const started = Date.now();
  await owner.stopApp();
  const to = await servedByAnother(vip, from);
  const ms = Date.now() - started;
  if (to === undefined) throw new Error(`${vip} was not served by another host within 20 s`);
  // Before the app comes back: the return under preemption would be a period of its own.
  const observed = await comparison?.afterFailover();
  const boundMs = await failoverBoundMs(lab, vip, to);
  owner.startApp();
  const back = Date.now();
  while ((await servedBy(vip, 200)) !== from && Date.now() - back < 30_000) await sleep(100);
  return { ms, from, to, boundMs, ...(observed ? { observed } : {}) };
}

/** One column of the failover table: a check at an interval. */
interface FailoverCase {
  readonly label: string;
  readonly options: LabOptions;
}

/**
 * The app is killed at a fixed grid of phases spread evenly over the check interval, the same grid
 * for every case, so that medians compare (random phases would make them a coin toss).
 */
export function phaseGrid(intervalSeconds: number, phases: number): number[] {
  return Array.from({ length: phases }, (_, index) =>
    Math.round(((index + 0.5) * intervalSeconds * 1000) / phases),
  );
}

/**
 * `compare`: each failover is also timed as the exporters' reachability probes saw it, beside a lab
 * client that counts answers as they do (a RST is one). They must agree within 0.3 s.
 */
async function failoverCase(
  lab: Lab,
  report: Report,
  failover: FailoverCase,
  phases: number,
  compare = false,
) {
  if (sameOptions(lab.options, failover.options)) report.step(`${failover.label}: ${phases} failovers`);
  else {
    report.step(`${failover.label}: reconfiguring every host, then ${phases} failovers`);
    await lab.reconfigure(failover.options);
  }
  const vip = lab.vips[0] ?? '';
  const interval = Number(imageValue(failover.options.imageEnv, 'OPENSHIFT_HA_CHECK_INTERVAL'));
  const runs: FailoverRun[] = [];
  const comparison = compare ? new ExporterComparison(lab, vip) : undefined;
  comparison?.start();
  try {
    for (const phase of phaseGrid(interval, phases)) {
      const run = await measureFailover(lab, vip, phase, comparison);
      runs.push(run);
      report.line(
        `  ${failover.label}, app killed ${phase} ms after a check: ${run.from} → ${run.to} in ${run.ms} ms`,
      );
      if (run.observed)
        expectExportersAgree(report, run.observed, `${failover.label}, app killed ${phase} ms after a check`);
    }
  } finally {
    await comparison?.stop();
  }
  const ms = runs.map((run) => run.ms);
  return {
    label: failover.label,
    median: median(ms),
    p90: percentile(ms, 90),
    bound: median(runs.map((run) => run.boundMs)),
  };
}

/**
 * The exporters measure the network: while the dead app's host still holds the VIP its kernel answers
 * with a RST, so they see only the VRRP move, not the whole failover a client of the service sees.
 */
function expectExportersAgree(report: Report, observed: ObservedFailover, what: string): void {
  const seen =
    observed.observers.map((observer) => `${observer.host} ${observer.ms} ms`).join(', ') || 'no exporter';
  const worst = Math.max(
    0,
    ...observed.observers.map((observer) => Math.abs(observer.ms - observed.clientMs)),
  );
  report.expect(
    observed.observers.length > 0 && worst <= 300,
    `${what}: VIP unreachable ${observed.clientMs} ms to the lab client, observed by ${seen}: within 300 ms`,
  );
}

/** Options that would restart keepalived into what runs already: a restart to skip. */
const sameOptions = (a: LabOptions, b: LabOptions): boolean => JSON.stringify(a) === JSON.stringify(b);

const withInterval = (options: LabOptions, seconds: number): LabOptions => ({
  ...options,
  imageEnv: { ...options.imageEnv, OPENSHIFT_HA_CHECK_INTERVAL: String(seconds) },
});

export const scenarios: Record<string, Scenario> = {
  /**
   * Stop the app on the master: the VIPs move. By default the mode's own check at 2 s over a short
   * phase grid, each failover also timed by the exporters. With `--grid`: the failover time over the
   * full grid for the stock check, the one-shot check and (in prober mode) the prober at interval 2
   * and 1, against the stock check's median.
   */
  'service-down': async (lab, report, size) => {
    const { phases } = size;
    const original = lab.options;
    const at2 = withInterval(original, 2);
    const stockCase = {
      label: 'stock /dev/tcp check at 2 s',
      options: { ...at2, checkScript: '', prober: undefined },
    };
    const oneshotCase = {
      label: 'one-shot http-check at 2 s',
      options: { ...at2, ...modeOptions('oneshot', 'http-check') },
    };
    const proberCase = {
      label: 'prober at 2 s',
      options: { ...at2, ...modeOptions('prober', 'http-check') },
    };
    const prober1Case = { label: 'prober at 1 s', options: withInterval(proberCase.options, 1) };
    const own = original.prober ? proberCase : oneshotCase;
    const grid = original.prober
      ? [stockCase, oneshotCase, proberCase, prober1Case]
      : [stockCase, oneshotCase];
    const cases = size.grid ? grid : [own];
    const results = [];
    try {
      for (const failover of cases) {
        if (failover === own) {
          await quiet(lab, report, ['VIPSplitBrain', 'VIPNoMaster'], async () => {
            results.push(await failoverCase(lab, report, failover, phases, true));
          });
        } else {
          results.push(await failoverCase(lab, report, failover, phases));
        }
      }
    } finally {
      if (!sameOptions(lab.options, original)) await lab.reconfigure(original);
    }
    const mine = results.find((result) => result.label === own.label);
    if (!mine) throw new Error('the failover case of the mode did not run');
    const stock = size.grid ? results[0] : undefined;
    report.line(
      `failover over ${phases} phases (median / p90${stock ? ', and the ratio of medians to the stock check at 2 s' : ''}):`,
    );
    for (const result of results) {
      report.line(
        `  ${result.label.padEnd(28)} ${String(result.median).padStart(5)} ms / ${String(result.p90).padStart(5)} ms${stock ? `  ${(result.median / stock.median).toFixed(3)} ×` : ''}`,
      );
    }
    report.expect(
      mine.median <= mine.bound + 300,
      `${own.label}: median ${mine.median} ms ≤ bound ${Math.round(mine.bound)} ms + 300 ms`,
    );
    if (stock)
      report.expect(
        mine.median <= stock.median * 1.05,
        `${own.label}: median ${mine.median} ms ≤ 1.05 × the stock check's ${stock.median} ms`,
      );
  },

  /** SIGKILL keepalived on the master: the others take over after the master-down interval. */
  'node-down': async (lab, report) => {
    const owners = await lab.settle();
    const vip = lab.vips[0] ?? '';
    const victim = lab.host(owners.get(vip) ?? '');
    report.step(`killing keepalived on ${victim.host.name} (SIGKILL), the holder of ${vip}`);
    const started = Date.now();
    await victim.stopKeepalived('SIGKILL');
    const to = await servedByAnother(vip, victim.host.name);
    report.line(
      `keepalived on ${victim.host.name} killed; ${vip} served by ${to} after ${Date.now() - started} ms`,
    );
    report.expect(to !== undefined && to !== victim.host.name, `${vip} is served by another host`);
    report.expect(!(await lab.firing()).includes('VIPNoMaster'), 'VIPNoMaster did not fire');
    await victim.startKeepalived(lab.options);
  },

  /** Drop VRRP between hosts: split brain, VIPSplitBrain fires; after the heal, one master per VIP. */
  partition: async (lab, report) => {
    await lab.settle();
    report.step('dropping VRRP between the hosts (partition), waiting for VIPSplitBrain');
    await partition(lab.top, true);
    try {
      await expectAlertWhileQuiet(
        lab,
        report,
        { alert: 'VIPSplitBrain', withinMs: 90_000, since: 'the partition' },
        ['VIPNoMaster'],
      );
      const owners = await lab.owners();
      report.line(
        `partitioned: ${[...owners].map(([vip, hosts]) => `${vip} on ${hosts.join('+')}`).join(', ')}`,
      );
      report.expect(
        [...owners.values()].some((hosts) => hosts.length > 1),
        'some VIP is held by several hosts',
      );
    } finally {
      report.step('healing the partition');
      await partition(lab.top, false);
    }
    const healed = await lab.settle(60_000);
    report.line(`healed: ${[...healed].map(([vip, host]) => `${vip} on ${host}`).join(', ')}`);
    report.expect(
      lab.vips.every((vip) => (healed.get(vip) ?? '') !== ''),
      'one master per VIP after the heal',
    );
    const deadline = Date.now() + 30_000;
    while ((await lab.firing()).includes('VIPSplitBrain') && Date.now() < deadline) await sleep(1000);
    report.expect(!(await lab.firing()).includes('VIPSplitBrain'), 'VIPSplitBrain resolved after the heal');
  },

  /** Stop the app everywhere: every instance on every host goes to FAULT and VIPNoMaster fires. */
  'all-fail': async (lab, report) => {
    await lab.settle();
    await expectAlertWhileQuiet(
      lab,
      report,
      { alert: 'VIPNoMaster', withinMs: 150_000, since: 'every app stopped' },
      ['VIPSplitBrain'],
      async () => {
        report.step('stopping the app on every host: every check fails');
        for (const host of lab.hosts) await host.stopApp();
        report.step('waiting for VIPNoMaster');
      },
    );
    for (const view of await lab.views()) {
      const expected = renderedInstances(lab.host(view.host.name), lab.vips).map((instance) => instance.name);
      const states = new Map((view.instances ?? []).map((instance) => [instance.name, instance.state]));
      const wrong = expected.filter((name) => states.get(name) !== 'fault');
      report.expect(
        view.instances !== undefined && expected.length > 0 && wrong.length === 0,
        view.instances === undefined
          ? `${view.host.name}: its exporter did not answer`
          : `${view.host.name}: all ${expected.length} instances in FAULT${wrong.length > 0 ? `; not: ${wrong.map((name) => `${name} ${states.get(name) ?? 'missing'}`).join(', ')}` : ''}`,
      );
    }
    const owners = await lab.owners();
    report.expect(
      [...owners.values()].every((hosts) => hosts.length === 0),
      'no host holds a VIP',
    );
    report.step('starting every app again');
    for (const host of lab.hosts) host.startApp();
  },

  /**
   * The preferred host of a VIP fails its check and recovers. keepalived clears preempt_delay on an
   * instance that starts as `state MASTER` (the image's master slots), so such a VIP comes back at
   * once; a VIP whose preferred instance starts as BACKUP waits preempt_delay. Under nopreempt the
   * VIP stays where it went.
   */
  preempt: async (lab, report) => {
    // A setting without preempt_delay (plain preempt) takes the VIP back at once.
    const delay = Number(
      /preempt_delay\s+(\d+)/.exec(imageValue(lab.options.imageEnv, 'OPENSHIFT_HA_PREEMPTION'))?.[1] ?? 0,
    );
    const interval = Number(imageValue(lab.options.imageEnv, 'OPENSHIFT_HA_CHECK_INTERVAL'));
    const preferred = preferredHolders(lab);
    for (const [vip, holder] of preferred)
      report.line(
        `${vip}: preferred by ${holder.host}'s ${holder.instance} (priority ${holder.priority}, starts as ${holder.startsMaster ? 'MASTER' : 'BACKUP'})`,
      );
    // At once: the prober sees the app within an interval, keepalived's next run passes within
    // another, then the next advertisement is preempted (measured: 4.1 s at interval 2). Delayed: the
    // same, then preempt_delay (measured: 14.9 s with 10 s). The bounds leave about 4 s either way.
    const atOnce = { low: 0, high: 2 * interval + 4 };
    const delayed = { low: delay - 1, high: delay + 2 * interval + 6 };
    for (const host of hostsCoveringBothKinds(preferred)) {
      const tracked = [...preferred].filter(([, holder]) => holder.host === host).map(([vip]) => vip);
      report.step(`waiting until every VIP is on its preferred host (up to ${delay + 60} s)`);
      await lab.settleOn(
        new Map([...preferred].map(([vip, holder]) => [vip, holder.host])),
        (delay + 60) * 1000,
      );
      const victim = lab.host(host);
      report.step(`stopping the app on ${host}: its check fails, every instance on it goes to FAULT`);
      await victim.stopApp();
      for (const vip of tracked) {
        const to = await servedByAnother(vip, host);
        report.expect(to !== undefined, `${vip} moved off ${host}${to ? ` to ${to}` : ''}`);
      }
      report.step(`starting the app on ${host} again, timing each VIP's return`);
      victim.startApp();
      const restored = Date.now();
      const back = new Map<string, number>();
      while (back.size < tracked.length && Date.now() - restored < (delayed.high + 10) * 1000) {
        for (const vip of tracked)
          if (!back.has(vip) && (await servedBy(vip, 100)) === host)
            back.set(vip, (Date.now() - restored) / 1000);
        await sleep(100);
      }
      for (const vip of tracked) {
        const holder = preferred.get(vip);
        const seconds = back.get(vip);
        const bounds = holder?.startsMaster ? atOnce : delayed;
        const taken = seconds === undefined ? 'never came back' : `back after ${seconds.toFixed(1)} s`;
        report.expect(
          seconds !== undefined && seconds >= bounds.low && seconds <= bounds.high,
          holder?.startsMaster
            ? `${vip} (state MASTER, preempt_delay cleared): ${taken}, at once: within [${bounds.low}, ${bounds.high}] s`
            : `${vip} (starts as BACKUP): ${taken}, after preempt_delay ${delay} s: within [${bounds.low}, ${bounds.high}] s`,
        );
      }
    }
    const kinds = new Set([...preferred.values()].map((holder) => holder.startsMaster));
    if (kinds.size < 2)
      report.line(
        `this layout has no VIP whose preferred instance starts as ${kinds.has(true) ? 'BACKUP' : 'MASTER'}: that kind was not measured`,
      );
    const vip = lab.vips[0] ?? '';
    const original = lab.options;
    report.step('reconfiguring every host with OPENSHIFT_HA_PREEMPTION=nopreempt');
    await lab.reconfigure({
      ...original,
      imageEnv: { ...original.imageEnv, OPENSHIFT_HA_PREEMPTION: 'nopreempt' },
    });
    const owners = await lab.settle();
    const holder = lab.host(owners.get(vip) ?? '');
    report.step(`stopping the app on ${holder.host.name}, then starting it again`);
    await holder.stopApp();
    const stand = await servedByAnother(vip, holder.host.name);
    holder.startApp();
    await sleep(15_000);
    const after = await servedBy(vip);
    report.line(
      `with "nopreempt": ${vip} moved ${holder.host.name} → ${stand}; 15 s after ${holder.host.name} recovered it is on ${after}`,
    );
    report.expect(
      stand !== undefined && after === stand,
      'nopreempt: the recovered host does not take the VIP back',
    );
    await lab.reconfigure(original);
  },

  /**
   * An app that flaps: count transitions with IPF_CHECK_FALL=1 and with IPF_CHECK_FALL=3. Down and up
   * 1.25 check intervals each, three times: every down spell holds at least one run of the check and
   * at most two, and every up spell one that passes, so FALL=1 must fault and FALL=3 never may.
   */
  flap: async (lab, report) => {
    const original = lab.options;
    const spellMs = 1.25 * Number(imageValue(original.imageEnv, 'OPENSHIFT_HA_CHECK_INTERVAL')) * 1000;
    const flaps = 3;
    const countWith = async (fall: string) => {
      report.step(
        `IPF_CHECK_FALL=${fall}: the app on the master down ${spellMs / 1000} s, up ${spellMs / 1000} s, ${flaps} times`,
      );
      await lab.reconfigure({ ...original, imageEnv: { ...original.imageEnv, IPF_CHECK_FALL: fall } });
      const owners = await lab.settle();
      const flapper = lab.host(owners.get(lab.vips[0] ?? '') ?? '');
      const before = await transitions(lab);
      for (let flap = 0; flap < flaps; flap++) {
        await flapper.stopApp();
        await sleep(spellMs);
        flapper.startApp();
        await sleep(spellMs);
      }
      await sleep(3000);
      return (await transitions(lab)) - before;
    };
    const plain = await countWith('1');
    const damped = await countWith('3');
    report.line(
      `app down ${spellMs / 1000} s, up ${spellMs / 1000} s, ${flaps} times: ${plain} transitions with IPF_CHECK_FALL=1, ${damped} with IPF_CHECK_FALL=3`,
    );
    report.expect(damped < plain, 'IPF_CHECK_FALL=3 makes fewer transitions');
    await lab.reconfigure(original);
  },

  /**
   * SIGKILL the prober on the master. With IPF_CHECK_FALL=1 the next run fails, the VIPs move inside
   * the failover bound, and ProberDown fires. With IPF_CHECK_FALL=3, a restart inside two runs moves nothing.
   */
  'prober-down': async (lab, report) => {
    const original = lab.options;
    if (!original.prober) throw new Error('prober-down needs the prober mode');
    const vip = lab.vips[0] ?? '';
    const interval = Number(imageValue(original.imageEnv, 'OPENSHIFT_HA_CHECK_INTERVAL'));
    let owners = await lab.settle();
    const master = lab.host(owners.get(vip) ?? '');
    report.step(`IPF_CHECK_FALL=1: killing the prober on ${master.host.name} (SIGKILL)`);
    const started = Date.now();
    await master.stopProber('SIGKILL');
    const to = await servedByAnother(vip, master.host.name);
    const movedMs = Date.now() - started;
    const boundMs = await failoverBoundMs(lab, vip, to);
    report.line(
      `IPF_CHECK_FALL=1: prober on ${master.host.name} killed; ${vip} served by ${to} after ${movedMs} ms`,
    );
    report.expect(to !== undefined && to !== master.host.name, `${vip} moved off ${master.host.name}`);
    report.expect(
      movedMs <= boundMs + 300,
      `moved in ${movedMs} ms ≤ bound ${Math.round(boundMs)} ms + 300 ms`,
    );
    const waited = await lab.waitForAlert('ProberDown', 90_000);
    const firing = await lab.firing();
    report.line(`ProberDown fired ${waited.toFixed(0)} s after the prober was killed`);
    report.expect(firing.includes('ProberDown'), 'ProberDown fired');
    report.expect(!firing.includes('CheckStale'), 'ProberDown fired before CheckStale');
    // Only the prober: keepalived on that host kept running, as it does when the sidecar restarts.
    master.startProber(original);
    await master.proberReady();

    await lab.reconfigure({ ...original, imageEnv: { ...original.imageEnv, IPF_CHECK_FALL: '3' } });
    owners = await lab.settle();
    const before = await transitions(lab);
    const next = lab.host(owners.get(vip) ?? '');
    await next.stopProber('SIGKILL');
    // One run of the check fails; the prober is back before the second.
    await sleep(interval * 1000);
    next.startProber(lab.options);
    await next.proberReady();
    await sleep(3 * interval * 1000);
    const after = await lab.owners();
    const moved = [...owners].filter(
      ([address, host]) => after.get(address)?.[0] !== host || after.get(address)?.length !== 1,
    );
    const changed = (await transitions(lab)) - before;
    report.line(
      `IPF_CHECK_FALL=3: prober on ${next.host.name} killed and restarted within ${interval} s; ${moved.length} VIPs moved, ${changed} transitions`,
    );
    report.expect(
      moved.length === 0 && changed === 0,
      'a prober restart shorter than IPF_CHECK_FALL runs moves no VIP',
    );
    await lab.reconfigure(original);
  },

  /**
   * One host's keepalived, and every check it starts, in a cgroup limited to 10% of one CPU, and the
   * prober in one of its own: h1 in one-shot mode, h2 in prober mode, at intervals 2 and 1, each for
   * `--runs` runs (10; the percentiles in the README come from 300). Counts timed-out runs and
   * transitions, and gives the run-time percentiles.
   */
  'cpu-pressure': async (lab, report, { runs }) => {
    const original = lab.options;
    const [oneshotHost, proberHost] = lab.hosts;
    if (!oneshotHost || !proberHost) throw new Error('cpu-pressure needs two hosts');
    const wrapper = join(WORKDIR, 'timed-check');
    writeFileSync(wrapper, TIMED_CHECK);
    chmodSync(wrapper, 0o755);
    const proberOptions = { ...original, ...modeOptions('prober', 'http-check') };
    const limits: CpuLimit[] = [];
    // A limit's cgroup can go once its processes have: after the next restart of every host.
    const removeLimits = () => {
      for (const limit of limits.splice(0)) limit.remove();
    };
    try {
      for (const interval of [2, 1]) {
        const unlimited = withInterval(proberOptions, interval);
        if (!sameOptions(lab.options, unlimited)) await lab.reconfigure(unlimited);
        removeLimits();
        await lab.settle();
        const subjects = [
          { host: oneshotHost, mode: 'one-shot' as const, options: modeOptions('oneshot', 'http-check') },
          { host: proberHost, mode: 'prober' as const, options: modeOptions('prober', 'http-check') },
        ].map((subject) => {
          const log = join(subject.host.dir, `runs-${interval}.log`);
          return { ...subject, log };
        });
        for (const subject of subjects) {
          subject.host.keepalivedLimit = new CpuLimit(`${subject.host.host.name}-keepalived`, 10);
          limits.push(subject.host.keepalivedLimit);
          if (subject.mode === 'prober') {
            subject.host.proberLimit = new CpuLimit(`${subject.host.host.name}-prober`, 10);
            limits.push(subject.host.proberLimit);
          }
        }
        const before = new Map<LabHost, number>();
        for (const subject of subjects)
          before.set(subject.host, await transitions(lab, [subject.host], 'fault'));
        for (const subject of subjects) {
          const options = withInterval(
            {
              ...original,
              ...subject.options,
              checkScript: `${wrapper} ${subject.options.checkScript}`,
              imageEnv: { ...original.imageEnv, LAB_RUNS_LOG: subject.log },
            },
            interval,
          );
          await lab.reconfigureHost(subject.host, options);
        }
        const deadline = Date.now() + runs * interval * 1500 + 60_000;
        report.line(
          `interval ${interval} s: waiting for ${runs} runs on ${subjects.map((subject) => subject.host.host.name).join(' and ')}…`,
        );
        let shown = Date.now();
        while (
          Date.now() < deadline &&
          subjects.some((subject) => readRunTimes(subject.log).started < runs + 1)
        ) {
          await sleep(2000);
          if (Date.now() - shown >= 15_000) {
            shown = Date.now();
            report.step(
              `interval ${interval} s: ${subjects.map((subject) => `${subject.mode} ${readRunTimes(subject.log).started} of ${runs} runs`).join(', ')}`,
            );
          }
        }
        for (const subject of subjects) {
          const times = readRunTimes(subject.log);
          const changed = (await transitions(lab, [subject.host], 'fault')) - (before.get(subject.host) ?? 0);
          report.line(
            `  ${subject.mode.padEnd(8)} at ${interval} s on ${subject.host.host.name}: ${times.started} runs, ${times.timedOut} timed out, ${times.failed} failed, ${changed} transitions to FAULT; run time p50 ${percentile(times.ms, 50).toFixed(0)} ms, p90 ${percentile(times.ms, 90).toFixed(0)} ms, p99 ${percentile(times.ms, 99).toFixed(0)} ms, max ${Math.max(...times.ms).toFixed(0)} ms`,
          );
          if (subject.mode === 'prober') {
            report.expect(times.started >= runs, `prober at ${interval} s: ${times.started} ≥ ${runs} runs`);
            report.expect(times.timedOut === 0, `prober at ${interval} s: no run timed out`);
            report.expect(changed === 0, `prober at ${interval} s: no transition to FAULT`);
          }
        }
        for (const subject of subjects) {
          subject.host.keepalivedLimit = undefined;
          subject.host.proberLimit = undefined;
        }
      }
    } finally {
      for (const host of lab.hosts) {
        host.keepalivedLimit = undefined;
        host.proberLimit = undefined;
      }
      await lab.reconfigure(original);
      removeLimits();
    }
  },
  ...outageScenarios,
};

/**
 * All transitions the exporters have counted, over every host or the hosts given; `to` counts only
 * those into one state (a host's own check failing shows as transitions to fault).
 */
async function transitions(lab: Lab, hosts: readonly LabHost[] = lab.hosts, to?: string): Promise<number> {
  let total = 0;
  for (const { host } of hosts) {
    const metrics = (await get(`http://${host.address}:${EXPORTER_PORT}/metrics`))?.body ?? '';
    for (const match of metrics.matchAll(
      new RegExp(`^${metricNames.vrrpTransitions}\\{([^}]*)\\} (\\d+)$`, 'gm'),
    )) {
      if (to === undefined || match[1]?.includes(`to="${to}"`)) total += Number(match[2]);
    }
  }
  return total;
}

/**
 * Times every check run keepalived starts: a start line, then an end line with the exit status. A
 * run keepalived killed at its timeout has no end line. The same few bash builtins in both modes.
 */
const TIMED_CHECK = `#!/bin/bash
printf 'start %s %s\\n' "$$" "$EPOCHREALTIME" >>"$LAB_RUNS_LOG"
"$@"
status=$?
printf 'end %s %s %s\\n' "$$" "$EPOCHREALTIME" "$status" >>"$LAB_RUNS_LOG"
exit "$status"
`;

interface RunTimes {
  readonly started: number;
  readonly timedOut: number;
  readonly failed: number;
  readonly ms: readonly number[];
}

function readRunTimes(path: string): RunTimes {
  const starts = new Map<string, number>();
  const ms: number[] = [];
  let failed = 0;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [kind, pid = '', at = '', status] = line.split(' ');
    if (kind === 'start') starts.set(pid, Number(at));
    if (kind === 'end' && starts.has(pid)) {
      ms.push((Number(at) - (starts.get(pid) ?? 0)) * 1000);
      if (status !== '0') failed += 1;
      starts.delete(pid);
    }
  }
  // A run still going when the log is read is not timed out: only one can be, the last.
  return { started: ms.length + starts.size, timedOut: Math.max(0, starts.size - 1), failed, ms };
}

/** The fewest hosts whose preferred VIPs include both kinds: one host if one has both, else one per kind. */
export function hostsCoveringBothKinds(preferred: ReadonlyMap<string, PreferredHolder>): string[] {
  const kindsOf = new Map<string, Set<boolean>>();
  for (const holder of preferred.values()) {
    const kinds = kindsOf.get(holder.host) ?? new Set<boolean>();
    kinds.add(holder.startsMaster);
    kindsOf.set(holder.host, kinds);
  }
  const both = [...kindsOf].find(([, kinds]) => kinds.size === 2);
  if (both) return [both[0]];
  const chosen = new Map<boolean, string>();
  for (const [host, kinds] of kindsOf)
    for (const kind of kinds) if (!chosen.has(kind)) chosen.set(kind, host);
  return [...new Set(chosen.values())];
}
