import { imageValue } from '../core/ipfailover/image-env.ts';
import { type Lab, sleep } from './lab.ts';
import { servedBy } from './observe.ts';
import { partition } from './runtime.ts';
import { type Report, renderedInstances, servedByAnother } from './scenario-kit.ts';

/** Thrown inside the tour when its signal aborts (a key was pressed): the caller restores the lab. */
export class TourStopped extends Error {
  constructor() {
    super('the tour was stopped');
  }
}

/** Waits, in small steps, so a key stops the tour within 100 ms. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (signal.aborted) throw new TourStopped();
    await sleep(100);
  }
  if (signal.aborted) throw new TourStopped();
}

/** Polls until `host` answers on `vip`; seconds waited, or undefined after `timeoutMs`. */
async function backOn(vip: string, host: string, timeoutMs: number, signal: AbortSignal) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (signal.aborted) throw new TourStopped();
    if ((await servedBy(vip, 100)) === host) return (Date.now() - started) / 1000;
    await sleep(100);
  }
  return undefined;
}

/** Checks that `vip` moves off `from` after an action taken at `since`, timed to the first answer. */
async function expectMove(report: Report, vip: string, from: string, since: number, action: string) {
  const to = await servedByAnother(vip, from);
  report.expect(
    to !== undefined,
    to === undefined
      ? `${vip} did not move off ${from} within 20 s`
      : `${vip} moved ${from} → ${to}: ${Date.now() - since} ms from ${action} to the first request ${to} answered`,
  );
}

/** Checks that `vip` comes back to `host` within 60 s. */
async function expectReturn(report: Report, vip: string, host: string, signal: AbortSignal) {
  const seconds = await backOn(vip, host, 60_000, signal);
  report.expect(
    seconds !== undefined,
    seconds === undefined
      ? `${vip} did not come back to ${host} within 60 s`
      : `${vip} is back on ${host} after ${seconds.toFixed(1)} s`,
  );
}

/**
 * The guided tour: a service-down failover, the recovery and what preemption does then, and a
 * node-down. It narrates each action before it happens (`report.step`) and checks that the VIP
 * moved (`report.expect`), so `--tour` can pass or fail. A key aborts `signal`; the caller then
 * calls restoreLab.
 */
export async function runTour(lab: Lab, report: Report, signal: AbortSignal): Promise<void> {
  const env = lab.options.imageEnv;
  const interval = imageValue(env, 'OPENSHIFT_HA_CHECK_INTERVAL');
  const preemption = imageValue(env, 'OPENSHIFT_HA_PREEMPTION');
  const vip = lab.vips[0] ?? '';
  const owners = await lab.settle(60_000);
  const master = owners.get(vip) ?? '';
  report.step(
    `${vip} is on ${master}. Every ${interval} s keepalived runs the check on each host; watch the VIP owners.`,
  );
  await pause(3000, signal);

  report.step(
    `1/3 service down: stopping the app on ${master}. Its next check fails, and one failed run sends every instance on ${master} to FAULT (the image sets no fall): it resigns with priority 0, and the backup with the next priority takes ${vip} after its skew time.`,
  );
  const killed = Date.now();
  await lab.host(master).stopApp();
  await expectMove(report, vip, master, killed, "the app's death");
  await pause(4000, signal);

  const instance = renderedInstances(lab.host(master), lab.vips).find((candidate) =>
    candidate.vips.includes(vip),
  );
  const startsMaster = instance?.startsMaster ?? false;
  report.step(
    startsMaster
      ? `2/3 recovery: starting the app on ${master} again. Its instance for ${vip} starts as "state MASTER", and keepalived clears preempt_delay on such instances: whatever OPENSHIFT_HA_PREEMPTION says ("${preemption}"), ${master} takes ${vip} back as soon as its check passes. That is a second short outage.`
      : `2/3 recovery: starting the app on ${master} again. Its instance for ${vip} starts as BACKUP, so it waits out "${preemption}" before it takes ${vip} back.`,
  );
  lab.host(master).startApp();
  await expectReturn(report, vip, master, signal);
  await pause(4000, signal);

  const holder = (await servedBy(vip)) ?? master;
  report.step(
    `3/3 node down: cutting ${holder}'s network link, as when a node dies. It sends nothing more, not even VRRP's priority-0 goodbye, so the backups wait for the master-down interval: three advertisements plus the skew time, about 3 s.`,
  );
  const cut = Date.now();
  await lab.host(holder).setLink(false);
  await expectMove(report, vip, holder, cut, 'the cut');
  await pause(4000, signal);
  report.step(
    `restoring ${holder}'s link: keepalived took its instances to FAULT when the link went down; they come back and take ${vip} back at once, preemption again`,
  );
  await lab.host(holder).setLink(true);
  await expectReturn(report, vip, holder, signal);
  report.step('tour done. Press a key to try it yourself: the legend below says which.');
}

/** After a stopped tour or a user's actions: every app and keepalived running, every link up, no partition. */
export async function restoreLab(lab: Lab, partitioned: boolean): Promise<void> {
  if (partitioned) await partition(lab.top, false);
  for (const host of lab.hosts) {
    await host.setLink(true);
    if (!host.app) host.startApp();
    if (!host.keepalived) await host.startKeepalived(lab.options);
  }
}
