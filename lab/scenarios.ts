import { median } from '../bench/measure.ts';
import { type Lab, sleep } from './lab.ts';
import { servedBy } from './observe.ts';
import { partition } from './runtime.ts';

export interface Report {
  line(text: string): void;
  /** Records a requirement; a false one fails the scenario. */
  expect(ok: boolean, what: string): void;
}

export type Scenario = (lab: Lab, report: Report) => Promise<void>;

/** Alerts that must stay quiet through a scenario: sampled while it runs and asserted at its end. */
async function quiet(
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

export interface FailoverRun {
  readonly ms: number;
  readonly from: string;
  readonly to: string;
  readonly boundMs: number;
}

/**
 * Kills the app on the host serving `vip` just after that host's check ran, and measures until the
 * first successful request to the VIP that another host answers. Restores the app and waits for the
 * VIPs to settle again. The bound is the check interval plus the new master's VRRP skew time.
 */
export async function measureFailover(lab: Lab, vip: string): Promise<FailoverRun> {
  await lab.settle();
  const from = (await servedBy(vip)) ?? '';
  const owner = lab.host(from);
  await lab.afterNextCheck(owner);
  // Let that check finish: an app killed mid-request fails http-check at once, while the stock check
  // only connects, so without this wait the two would not start from the same phase.
  await sleep(300);
  const started = Date.now();
  await owner.stopApp();
  let to: string | undefined;
  while (Date.now() - started < 20_000) {
    to = await servedBy(vip, 100);
    if (to !== undefined && to !== from) break;
    await sleep(5);
  }
  const ms = Date.now() - started;
  if (to === undefined || to === from) throw new Error(`${vip} was not served by another host within 20 s`);
  const views = await lab.views();
  const priority =
    views
      .find((view) => view.host.name === to)
      ?.instances?.find((instance) => instance.vips.some((entry) => entry.vip === vip))?.priority ?? 1;
  const interval = Number(lab.options.imageEnv.OPENSHIFT_HA_CHECK_INTERVAL ?? 2);
  const boundMs = interval * 1000 + ((256 - priority) / 256) * 1000;
  owner.startApp();
  // The preferred host takes the VIP back (preemption): wait for that, so the next run starts alike.
  const back = Date.now();
  while ((await servedBy(vip, 200)) !== from && Date.now() - back < 30_000) await sleep(100);
  return { ms, from, to, boundMs };
}

const toolkitCheck = (lab: Lab) => lab.options;

export const scenarios: Record<string, Scenario> = {
  /** Stop the app on the master: the VIPs move; failover time against the stock check. */
  'service-down': async (lab, report) => {
    const runs = Number(process.env.LAB_FAILOVER_RUNS ?? 5);
    const vip = lab.vips[0] ?? '';
    const measure = async (label: string) => {
      const results: FailoverRun[] = [];
      for (let run = 0; run < runs; run++) {
        const result = await measureFailover(lab, vip);
        results.push(result);
        report.line(
          `  ${label} run ${run + 1}: ${result.from} → ${result.to} in ${result.ms} ms (bound ${Math.round(result.boundMs)} ms)`,
        );
      }
      return { ms: median(results.map((r) => r.ms)), bound: median(results.map((r) => r.boundMs)) };
    };
    let toolkit = { ms: 0, bound: 0 };
    await quiet(lab, report, ['VIPSplitBrain', 'VIPNoMaster'], async () => {
      toolkit = await measure(`http-check`);
    });
    const withToolkit = toolkitCheck(lab);
    await lab.reconfigure({ ...withToolkit, checkScript: '' });
    const stock = await measure(`stock bash check`);
    await lab.reconfigure(withToolkit);
    report.line(
      `failover (median of ${runs}): http-check ${toolkit.ms} ms, stock /dev/tcp check ${stock.ms} ms (ratio ${(toolkit.ms / stock.ms).toFixed(3)}); bound ${Math.round(toolkit.bound)} ms`,
    );
    report.expect(
      toolkit.ms <= toolkit.bound + 300,
      `failover ${toolkit.ms} ms ≤ bound ${Math.round(toolkit.bound)} ms + 300 ms`,
    );
    report.expect(
      toolkit.ms <= stock.ms * 1.05,
      `failover ${toolkit.ms} ms ≤ 1.05 × the stock check's ${stock.ms} ms`,
    );
  },

  /** SIGKILL keepalived on the master: the others take over after the master-down interval. */
  'node-down': async (lab, report) => {
    const owners = await lab.settle();
    const vip = lab.vips[0] ?? '';
    const victim = lab.host(owners.get(vip) ?? '');
    const started = Date.now();
    await victim.stopKeepalived('SIGKILL');
    let to: string | undefined;
    while (Date.now() - started < 20_000) {
      to = await servedBy(vip, 100);
      if (to !== undefined && to !== victim.host.name) break;
      await sleep(20);
    }
    report.line(
      `keepalived on ${victim.host.name} killed; ${vip} served by ${to} after ${Date.now() - started} ms`,
    );
    report.expect(to !== undefined && to !== victim.host.name, `${vip} is served by another host`);
    report.expect(!(await lab.firing()).includes('VIPNoMaster'), 'VIPNoMaster did not fire');
    await victim.startKeepalived(lab.options);
    await lab.settle();
  },

  /** Drop VRRP between hosts: split brain, VIPSplitBrain fires; after the heal, one master per VIP. */
  partition: async (lab, report) => {
    await lab.settle();
    await partition(lab.top, true);
    let waited = 0;
    try {
      await quiet(lab, report, ['VIPNoMaster'], async () => {
        waited = await lab.waitForAlert('VIPSplitBrain', 90_000);
      });
      const owners = await lab.owners();
      report.line(
        `partitioned: ${[...owners].map(([vip, hosts]) => `${vip} on ${hosts.join('+')}`).join(', ')}`,
      );
      report.expect(
        [...owners.values()].some((hosts) => hosts.length > 1),
        'some VIP is held by several hosts',
      );
      report.line(`VIPSplitBrain fired ${waited.toFixed(0)} s after the partition`);
    } finally {
      await partition(lab.top, false);
    }
    const healed = await lab.settle(60_000);
    report.line(`healed: ${[...healed].map(([vip, host]) => `${vip} on ${host}`).join(', ')}`);
    report.expect(true, 'one master per VIP after the heal');
    const deadline = Date.now() + 30_000;
    while ((await lab.firing()).includes('VIPSplitBrain') && Date.now() < deadline) await sleep(1000);
    report.expect(!(await lab.firing()).includes('VIPSplitBrain'), 'VIPSplitBrain resolved after the heal');
  },

  /** Stop the app everywhere: every instance goes to FAULT and VIPNoMaster fires. */
  'all-fail': async (lab, report) => {
    await lab.settle();
    let waited = 0;
    await quiet(lab, report, ['VIPSplitBrain'], async () => {
      for (const host of lab.hosts) await host.stopApp();
      waited = await lab.waitForAlert('VIPNoMaster', 150_000);
    });
    const owners = await lab.owners();
    report.line(`VIPNoMaster fired ${waited.toFixed(0)} s after every app stopped`);
    report.expect(
      [...owners.values()].every((hosts) => hosts.length === 0),
      'no host holds a VIP',
    );
    for (const host of lab.hosts) host.startApp();
    await lab.settle();
  },

  /** A recovered higher-priority host takes its VIP back (preempt_delay), or never does under nopreempt. */
  preempt: async (lab, report) => {
    const delay = Number(
      /preempt_delay\s+(\d+)/.exec(lab.options.imageEnv.OPENSHIFT_HA_PREEMPTION ?? '')?.[1] ?? 300,
    );
    const vip = lab.vips[0] ?? '';
    const takeBack = async () => {
      const owners = await lab.settle();
      const preferred = lab.host(owners.get(vip) ?? '');
      await preferred.stopApp();
      const moved = Date.now();
      while ((await servedBy(vip, 100)) === undefined || (await servedBy(vip, 100)) === preferred.host.name) {
        if (Date.now() - moved > 20_000) throw new Error(`${vip} did not move off ${preferred.host.name}`);
        await sleep(50);
      }
      const stand = await servedBy(vip);
      preferred.startApp();
      const restored = Date.now();
      while (Date.now() - restored < (delay + 20) * 1000) {
        if ((await servedBy(vip, 100)) === preferred.host.name)
          return { preferred: preferred.host.name, stand, seconds: (Date.now() - restored) / 1000 };
        await sleep(100);
      }
      return { preferred: preferred.host.name, stand, seconds: undefined };
    };
    const preempting = await takeBack();
    report.line(
      `with "${lab.options.imageEnv.OPENSHIFT_HA_PREEMPTION}": ${vip} moved ${preempting.preferred} → ${preempting.stand}, and back after ${preempting.seconds ?? 'never'} s`,
    );
    report.expect(
      preempting.seconds !== undefined && preempting.seconds <= delay + 5,
      `taken back within preempt_delay ${delay} s + 5 s`,
    );
    const original = lab.options;
    await lab.reconfigure({
      ...original,
      imageEnv: { ...original.imageEnv, OPENSHIFT_HA_PREEMPTION: 'nopreempt' },
    });
    const owners = await lab.settle();
    const preferred = lab.host(owners.get(vip) ?? '');
    await preferred.stopApp();
    await sleep(6000);
    const stand = await servedBy(vip);
    preferred.startApp();
    await sleep(15_000);
    const after = await servedBy(vip);
    report.line(
      `with "nopreempt": ${vip} moved ${preferred.host.name} → ${stand}; 15 s after ${preferred.host.name} recovered it is on ${after}`,
    );
    report.expect(
      stand !== preferred.host.name && after === stand,
      'nopreempt: the recovered host does not take the VIP back',
    );
    await lab.reconfigure(original);
    await lab.settle();
  },

  /** An app that flaps: count transitions with IPF_CHECK_FALL=1 and with IPF_CHECK_FALL=3. */
  flap: async (lab, report) => {
    const original = lab.options;
    const countWith = async (fall: string) => {
      await lab.reconfigure({ ...original, imageEnv: { ...original.imageEnv, IPF_CHECK_FALL: fall } });
      const owners = await lab.settle();
      const flapper = lab.host(owners.get(lab.vips[0] ?? '') ?? '');
      const before = await transitions(lab);
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        await flapper.stopApp();
        await sleep(1500);
        flapper.startApp();
        await sleep(3500);
      }
      await sleep(3000);
      return (await transitions(lab)) - before;
    };
    const plain = await countWith('1');
    const damped = await countWith('3');
    report.line(
      `app down 1.5 s every 5 s for 30 s: ${plain} transitions with IPF_CHECK_FALL=1, ${damped} with IPF_CHECK_FALL=3`,
    );
    report.expect(damped < plain, 'IPF_CHECK_FALL=3 makes fewer transitions');
    await lab.reconfigure(original);
    await lab.settle();
  },
};

/** All transitions the exporters have counted, over every host. */
async function transitions(lab: Lab): Promise<number> {
  const { get } = await import('./observe.ts');
  let total = 0;
  for (const host of lab.top.hosts) {
    const metrics = (await get(`http://${host.address}:9871/metrics`))?.body ?? '';
    for (const match of metrics.matchAll(/^ipfailover_vrrp_transitions_total\{[^}]*\} (\d+)$/gm))
      total += Number(match[1]);
  }
  return total;
}
