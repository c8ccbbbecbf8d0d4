import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { removeQuietly } from '../../core/bounded-file.ts';
import { describeError } from '../../core/errors.ts';
import {
  type Check,
  failed,
  oneLine,
  type ProbeResult,
  passed,
  runCheckWithResult,
} from '../../core/probe.ts';
import {
  formatVerdict,
  type ParsedRequest,
  PROBER_REPLY_MARGIN_MS,
  type ProbeRequest,
  type ProberCheck,
  parseRequest,
  REFUSAL_KINDS,
  REQUEST_MAX_BYTES,
  type RefusalKind,
  readyReply,
  refusedReply,
  VERDICT_PREFIX,
  verdictFileName,
} from '../../core/prober-protocol.ts';
import { writeFileAtomic } from '../../core/report.ts';
import type { Env, SettingSpec } from '../../core/settings.ts';

export interface ProberOptions {
  readonly checks: ReadonlyMap<ProberCheck, Check<SettingSpec, unknown>>;
  readonly env: Env;
  readonly podUid: string;
  readonly stateDir: string;
  readonly minGapMs: number;
  readonly log: (line: string) => void;
  /** Milliseconds since some fixed origin; a parameter for the tests. */
  readonly now?: () => number;
  /** Why the node is in maintenance now (checks/prober/maintenance.ts), if it is: every check fails. Never waits. */
  readonly maintenance?: () => string | undefined;
}

/** A client that has not sent its line by then is not one of ours (verdict.sh sends at once). */
const REQUEST_TIMEOUT_MS = 2000;
/** verdict.sh reads its file right after the reply; older ones are left-overs. */
const VERDICT_TTL_MS = 5000;
/** Verdict files alive at most: a flood of requests cannot fill the emptyDir. */
export const VERDICT_FILES_MAX = 1024;
/** Connections at once; more are closed by the kernel's accept path (server.maxConnections). */
const CONNECTIONS_MAX = 256;
/** The kernel queues this many handshakes while the loop is busy: a bash connect cannot time out. */
const LISTEN_BACKLOG = 4096;

export interface ProberCounters {
  requests: number;
  refused: Record<RefusalKind, number>;
  probes: Record<string, number>;
}

/**
 * One probe per check at a time, and at least `minGapMs` between the end of one and the start of the
 * next: a request that comes while a probe runs waits for it, and one inside the gap shares the last
 * result. So any number of clients cause at most one probe per gap against the application.
 */
class CheckSchedule {
  private running: Promise<ProbeResult> | undefined;
  private last: { result: ProbeResult; endedAt: number } | undefined;

  constructor(
    private readonly check: Check<SettingSpec, unknown>,
    private readonly options: ProberOptions,
    private readonly counters: ProberCounters,
    private readonly crashed: () => AbortSignal,
  ) {}

  result(deadlineMs: number): Promise<ProbeResult> {
    if (this.running) return this.running;
    const now = this.now();
    if (this.last && now - this.last.endedAt < this.options.minGapMs)
      return Promise.resolve(this.last.result);
    this.counters.probes[this.check.name] = (this.counters.probes[this.check.name] ?? 0) + 1;
    // A signal of this probe's own: runCheckWithResult leaves its listener on the signal it is given,
    // so on the prober's long-lived one every probe would leave one behind (a leak, and O(n) adds).
    const crashed = this.crashed();
    const probe = new AbortController();
    const forward = () => probe.abort(crashed.reason);
    crashed.addEventListener('abort', forward, { once: true });
    const running = runCheckWithResult(this.check, {
      argv: [],
      env: this.options.env,
      crashed: probe.signal,
      stderr: this.options.log,
      resident: { deadlineMs },
    }).then(
      (outcome) => outcome.result,
      (error: unknown) => failed(`internal error: ${describeError(error)}`),
    );
    this.running = running;
    running.then((result) => {
      crashed.removeEventListener('abort', forward);
      this.running = undefined;
      this.last = { result, endedAt: this.now() };
    });
    return running;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

export interface Prober {
  readonly server: Server;
  readonly counters: ProberCounters;
  listen(port: number): Promise<void>;
  /** Fails every probe in flight with the error: one escaped every handler. */
  crash(error: unknown): void;
  close(): Promise<void>;
}

export function createProber(options: ProberOptions): Prober {
  const counters: ProberCounters = {
    requests: 0,
    refused: Object.fromEntries(REFUSAL_KINDS.map((kind) => [kind, 0])) as Record<RefusalKind, number>,
    probes: {},
  };
  let crashed = new AbortController();
  const schedules = new Map(
    [...options.checks].map(([name, check]) => [
      name,
      new CheckSchedule(check, options, counters, () => crashed.signal),
    ]),
  );
  const verdicts = new VerdictFiles(options.stateDir, options.now ?? Date.now);
  verdicts.removeLeftovers();

  const refuse = (socket: Socket, kind: RefusalKind, reason: string) => {
    counters.refused[kind] += 1;
    socket.end(refusedReply(reason));
  };

  const answer = async (socket: Socket, parsed: ParsedRequest) => {
    if (!parsed.ok) return refuse(socket, parsed.counted, parsed.reason);
    const { request } = parsed;
    if (request.podUid !== options.podUid)
      return refuse(socket, 'identity', 'this prober serves another pod');
    const missing = request.checks.filter((name) => !schedules.has(name));
    if (missing.length > 0) {
      return refuse(socket, 'check', `${missing.join(',')} not in IPF_CHECKS of this prober`);
    }
    const deadlineMs = Math.max(1, request.budgetMs - PROBER_REPLY_MARGIN_MS);
    // In maintenance every check fails without probing: the VIPs are to leave, whatever the application says.
    const maintenance = options.maintenance?.();
    const results =
      maintenance === undefined
        ? await Promise.all(request.checks.map((name) => schedules.get(name)?.result(deadlineMs) ?? passed))
        : [];
    const failures = results.flatMap((result, index) =>
      result.ok ? [] : [`${request.checks[index]}: ${result.reason}`],
    );
    const verdict =
      maintenance !== undefined
        ? failed(oneLine(maintenance))
        : failures.length === 0
          ? passed
          : failed(failures.join('; '));
    if (socket.destroyed) return;
    try {
      verdicts.write(request, verdict);
    } catch (error) {
      options.log(`prober: cannot write the verdict file in ${options.stateDir}: ${describeError(error)}`);
      socket.destroy();
      return;
    }
    socket.end(readyReply(request.nonce));
  };

  const server = createServer((socket) => {
    counters.requests += 1;
    socket.on('error', () => {});
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\n');
      if (end < 0 && received.length < REQUEST_MAX_BYTES) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      if (end < 0 || end > REQUEST_MAX_BYTES) return refuse(socket, 'malformed', 'request line too long');
      answer(socket, parseRequest(received.slice(0, end))).catch((error: unknown) => {
        options.log(`prober: internal error answering a request: ${describeError(error)}`);
        socket.destroy();
      });
    };
    socket.on('data', onData);
  });
  server.maxConnections = CONNECTIONS_MAX;

  return {
    server,
    counters,
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    crash(error) {
      crashed.abort(error);
      crashed = new AbortController();
    },
    close: () =>
      new Promise((resolve) => {
        verdicts.close();
        server.close(() => resolve());
      }),
  };
}

/** The verdict files this prober wrote, removed once verdict.sh has had its time to read them. */
class VerdictFiles {
  private readonly written: { path: string; at: number }[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly directory: string,
    private readonly now: () => number,
  ) {}

  write(request: ProbeRequest, verdict: ProbeResult): void {
    const path = join(this.directory, verdictFileName(request.nonce));
    // The oldest goes first, so that the directory never holds more than VERDICT_FILES_MAX, its
    // temporary file included, not even between the rename and the removal.
    while (this.written.length >= VERDICT_FILES_MAX) removeQuietly(this.written.shift()?.path ?? '');
    writeFileAtomic(
      path,
      formatVerdict(request, { ok: verdict.ok, reason: verdict.ok ? '' : verdict.reason }),
    );
    this.written.push({ path, at: this.now() });
    this.sweeper ??= setInterval(() => this.sweep(), VERDICT_TTL_MS).unref();
  }

  private sweep(): void {
    const oldest = this.now() - VERDICT_TTL_MS;
    while (this.written.length > 0 && (this.written[0]?.at ?? 0) <= oldest)
      removeQuietly(this.written.shift()?.path ?? '');
  }

  /** Files of a previous prober process: a restart must not leave them for ever. */
  removeLeftovers(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.directory);
    } catch {
      return;
    }
    const oldest = Date.now() - VERDICT_TTL_MS;
    for (const name of names) {
      if (!name.startsWith(VERDICT_PREFIX)) continue;
      const path = join(this.directory, name);
      try {
        if (statSync(path).mtimeMs <= oldest) removeQuietly(path);
      } catch {
        // Gone already.
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const { path } of this.written.splice(0)) removeQuietly(path);
  }
}
