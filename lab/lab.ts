import type { ChildProcess } from 'node:child_process';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { alerts, get, hostView, servedBy } from './observe.ts';
import { buildNetwork, LabHost, type LabOptions, startPrometheus, vipsOn } from './runtime.ts';
import { APP_PORT, type Topology } from './topology.ts';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A settle() this soon after the last one returned trusts it: the setup's last step and a scenario's
 * first, with nothing in between that could move a VIP.
 */
const JUST_SETTLED_MS = 300;

/** The running lab: hosts with app, keepalived and exporter each, and Prometheus in the client namespace. */
export class Lab {
  readonly hosts: LabHost[];
  readonly vips: string[];
  private prometheus: ChildProcess | undefined;
  /** When settle() last returned, and the placement it found. */
  private settled: { readonly at: number; readonly owners: ReadonlyMap<string, string> } | undefined;

  constructor(
    readonly top: Topology,
    public options: LabOptions,
  ) {
    this.hosts = top.hosts.map((host) => new LabHost(host, top));
    this.vips = expandVirtualIps(options.imageEnv.OPENSHIFT_HA_VIRTUAL_IPS ?? '');
  }

  async start(): Promise<void> {
    await buildNetwork(this.top);
    for (const host of this.hosts) {
      host.startApp();
      host.startExporter(this.options);
    }
    await this.startChecksEverywhere(this.options);
    this.prometheus = startPrometheus(this.top);
  }

  async stop(): Promise<void> {
    for (const host of this.hosts) {
      await host.stopKeepalived('SIGKILL');
      await host.stopProber('SIGKILL');
      await host.stopApp();
      host.exporter?.kill('SIGKILL');
    }
    this.prometheus?.kill('SIGKILL');
  }

  /** Restarts keepalived everywhere with changed options (another check, nopreempt, IPF_CHECK_FALL). */
  async reconfigure(options: LabOptions): Promise<void> {
    this.options = options;
    for (const host of this.hosts) {
      await host.stopKeepalived();
      await host.stopProber();
    }
    await this.startChecksEverywhere(options);
  }

  /**
   * Every host's prober at once, each ready before keepalived's first check; then keepalived one host
   * after the other, in order: the first takes every VIP, and each next one those it starts as MASTER
   * for, so the VIPs settle where VRRP prefers them without waiting for preempt_delay.
   */
  private async startChecksEverywhere(options: LabOptions): Promise<void> {
    if (options.prober) {
      for (const host of this.hosts) host.startProber(options);
      await Promise.all(this.hosts.map((host) => host.proberReady()));
    }
    for (const host of this.hosts) await host.startKeepalived(options);
  }

  /** Restarts one host's keepalived (and prober) with options of its own. */
  async reconfigureHost(host: LabHost, options: LabOptions): Promise<void> {
    await host.stopKeepalived();
    await host.stopProber();
    await this.startChecks(host, options);
  }

  /**
   * The prober first, ready before keepalived's first check, as a native sidecar is; then keepalived.
   * The prober gets the same environment: its checks read OPENSHIFT_HA_* as the one-shot checks do.
   */
  async startChecks(host: LabHost, options: LabOptions): Promise<void> {
    if (options.prober) {
      host.startProber(options);
      await host.proberReady();
    }
    await host.startKeepalived(options);
  }

  host(name: string): LabHost {
    const found = this.hosts.find((candidate) => candidate.host.name === name);
    if (!found) throw new Error(`no lab host ${name}`);
    return found;
  }

  /** Who holds each VIP on its interface now (ip addr, not the exporter). */
  async owners(): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(this.vips.map((vip) => [vip, []]));
    for (const host of this.hosts)
      for (const vip of await vipsOn(host.host, this.vips)) result.get(vip)?.push(host.host.name);
    return result;
  }

  /**
   * Waits until every VIP has exactly one holder and answers on it, for `stableMs` in a row. Asked
   * again at once after it returned (a scenario's first step after the setup's last), it returns the
   * same: nothing had time to change.
   */
  async settle(timeoutMs = 60_000, stableMs = 3000): Promise<Map<string, string>> {
    if (this.settled && Date.now() - this.settled.at < JUST_SETTLED_MS) return new Map(this.settled.owners);
    const deadline = Date.now() + timeoutMs;
    let since = 0;
    let last = '';
    while (Date.now() < deadline) {
      const owners = await this.owners();
      const single = [...owners.values()].every((holders) => holders.length === 1);
      const served =
        single &&
        (await Promise.all(this.vips.map((vip) => servedBy(vip)))).every(
          (name, index) => name === owners.get(this.vips[index] ?? '')?.[0],
        );
      const key = JSON.stringify([...owners]);
      if (single && served && key === last) {
        if (Date.now() - since >= stableMs) {
          const settled = new Map([...owners].map(([vip, holders]) => [vip, holders[0] ?? '']));
          this.settled = { at: Date.now(), owners: settled };
          return new Map(settled);
        }
      } else {
        since = Date.now();
        last = key;
      }
      await sleep(200);
    }
    throw new Error(
      `the VIPs did not settle on one host each within ${timeoutMs / 1000} s: ${JSON.stringify([...(await this.owners())])}`,
    );
  }

  /** Waits until every VIP is held and answered by the host `expected` names, for `stableMs` in a row. */
  async settleOn(expected: ReadonlyMap<string, string>, timeoutMs: number, stableMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let since = Date.now();
    while (Date.now() < deadline) {
      const owners = await this.owners();
      const held = [...expected].every(([vip, host]) => {
        const holders = owners.get(vip) ?? [];
        return holders.length === 1 && holders[0] === host;
      });
      const served =
        held &&
        (await Promise.all([...expected].map(async ([vip, host]) => (await servedBy(vip)) === host))).every(
          Boolean,
        );
      if (!served) since = Date.now();
      else if (Date.now() - since >= stableMs) return;
      await sleep(200);
    }
    throw new Error(
      `the VIPs did not settle on their preferred hosts (${[...expected].map(([vip, host]) => `${vip} on ${host}`).join(', ')}) within ${timeoutMs / 1000} s: ${JSON.stringify([...(await this.owners())])}`,
    );
  }

  /** Waits until a host's own check has just connected to its app, so what follows starts at a known phase. */
  async afterNextCheck(host: LabHost, timeoutMs = 10_000): Promise<void> {
    const url = `http://${host.host.address}:${APP_PORT}/last-check`;
    const before = (await get(url))?.body;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = (await get(url, 200))?.body;
      if (now !== undefined && now !== before) return;
      await sleep(10);
    }
    throw new Error(`${host.host.name}'s check did not connect to its app within ${timeoutMs / 1000} s`);
  }

  async views() {
    return Promise.all(this.top.hosts.map((host) => hostView(host)));
  }

  async firing(): Promise<string[]> {
    return ((await alerts()) ?? []).filter((alert) => alert.state === 'firing').map((alert) => alert.name);
  }

  /** Polls Prometheus until `alert` fires; returns seconds waited. */
  async waitForAlert(alert: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if ((await this.firing()).includes(alert)) return (Date.now() - started) / 1000;
      await sleep(1000);
    }
    throw new Error(
      `${alert} did not fire within ${timeoutMs / 1000} s; firing: ${(await this.firing()).join(', ') || 'none'}`,
    );
  }

  async waitForPrometheus(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if ((await alerts()) !== undefined) return;
      await sleep(250);
    }
    throw new Error('Prometheus did not answer within 30 s');
  }
}
