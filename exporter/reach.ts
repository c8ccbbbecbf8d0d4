import { connect } from 'node:net';
import { describeError } from '../core/errors.ts';

/**
 * Reachability of the VIPs from this node: every interval, a TCP connect to each VIP this node does
 * not hold. A SYN-ACK or a RST both prove that the VIP answers where it is, so the port need not be
 * open; only silence (a timeout, or no ARP answer: EHOSTUNREACH) fails. It observes and never changes a
 * verdict: nothing here reaches keepalived, the checks or the spool.
 */

export interface ProbeResult {
  readonly reachable: boolean;
  readonly seconds: number;
}

/** Errors that are an answer from the VIP's owner: its kernel reset the connection. */
const ANSWERS = new Set(['ECONNREFUSED', 'ECONNRESET']);

/** One TCP connect with a deadline; the socket is reset at once, so the far side's app sees little. */
export function probeTcp(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, noDelay: true });
    const finish = (reachable: boolean, connected: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      // A listener is needed: closing may still report an error, which must not become unhandled.
      socket.on('error', () => {});
      // A connected socket is reset, so the far side keeps no TIME_WAIT or half-open connection. One
      // still connecting is closed now: resetAndDestroy() would wait for a connect that never comes,
      // and leave the SYN retrying for two minutes.
      const seconds = (performance.now() - started) / 1000;
      // Resolved once the socket is closed, so a worker's next connect never overlaps this one.
      socket.once('close', () => resolve({ reachable, seconds }));
      if (connected) socket.resetAndDestroy();
      else socket.destroy();
    };
    const timer = setTimeout(() => finish(false, false), timeoutMs);
    socket.once('connect', () => finish(true, true));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(ANSWERS.has(error.code ?? ''), false));
  });
}

/**
 * The interval when IPF_REACH_INTERVAL_MS is unset: every second, unless that means more than 50
 * connections a second; 254 VIPs are probed every 5 s. Each connect costs the exporter about 0.1 ms of
 * CPU (npm run bench), so the default stays near 0.5 % of a core however many VIPs there are.
 */
export function defaultReachIntervalMs(vips: number): number {
  return Math.min(5000, Math.max(1000, vips * 20));
}

export interface ReachOptions {
  readonly vips: readonly string[];
  readonly port: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** The addresses on this node's interfaces now: a VIP among them is not probed from here. */
  readonly localAddresses: () => ReadonlySet<string>;
  /** Probes start only while the state directory and the spool are healthy. */
  readonly healthy: () => boolean;
  readonly probe?: typeof probeTcp;
  /** A round that failed (it should not): logged, and the next round runs as planned. */
  readonly log: (line: string) => void;
}

export interface VipReach {
  readonly reachable: boolean;
  readonly seconds: number;
}

/**
 * Probes rounds one after the other: a round that takes longer than the interval (many VIPs that
 * drop everything) delays the next, and never overlaps it. Each unreachable period this observer saw
 * is reported to `onRecovered` when the VIP answers again.
 */
export class ReachProber {
  /** The last result per VIP probed from here; a VIP this node holds has none. */
  readonly results = new Map<string, VipReach>();
  private readonly downSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private round: Promise<void> | undefined;

  constructor(
    private readonly options: ReachOptions,
    private readonly onRecovered: (vip: string, seconds: number) => void,
  ) {}

  start(): void {
    const next = () => {
      if (this.closed) return;
      const started = Date.now();
      this.round = this.probeAll()
        .catch((error: unknown) => this.options.log(`VIP reachability round failed: ${describeError(error)}`))
        .finally(() => {
          if (this.closed) return;
          this.timer = setTimeout(next, Math.max(0, this.options.intervalMs - (Date.now() - started)));
          this.timer.unref();
        });
    };
    next();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round: every VIP not held here, at most `concurrency` at a time. */
  async probeAll(): Promise<void> {
    if (!this.options.healthy()) return;
    const local = this.options.localAddresses();
    for (const vip of this.options.vips) {
      if (local.has(vip)) {
        // Held here: nobody observes it from this node. A period it was in is not an outage seen.
        this.results.delete(vip);
        this.downSince.delete(vip);
      }
    }
    const queue = this.options.vips.filter((vip) => !local.has(vip));
    const probe = this.options.probe ?? probeTcp;
    const worker = async () => {
      for (let vip = queue.shift(); vip !== undefined; vip = queue.shift()) {
        const sentAt = Date.now();
        const result = await probe(vip, this.options.port, this.options.timeoutMs);
        if (this.closed) return;
        this.record(vip, sentAt, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
  }

  private record(vip: string, sentAt: number, result: ProbeResult): void {
    this.results.set(vip, result);
    const since = this.downSince.get(vip);
    if (!result.reachable) {
      if (since === undefined) this.downSince.set(vip, sentAt);
      return;
    }
    if (since !== undefined) {
      this.downSince.delete(vip);
      this.onRecovered(vip, (sentAt - since) / 1000);
    }
  }
}
