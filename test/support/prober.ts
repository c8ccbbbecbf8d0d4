// The resident prober and verdict.sh as they run in the pod: the built prober bundle as a process of
// its own, verdict.sh run with nothing but the environment keepalived gives it (env -i), real loopback
// sockets and a real state directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { PROBER_RECORD, VERDICT_PREFIX } from '../../core/prober-protocol.ts';
import type { Env } from '../../core/settings.ts';
import type { Exit } from './bundle.ts';
import { closedPort, onCleanup, tcpServer, temporaryDirectory } from './harness.ts';
import { bundleNode } from './node.ts';

export const proberBundle = resolve('dist/checks/prober.js');
export const verdictScript = resolve('dist/checks/verdict.sh');
/** PATH inside `env -i`: bash and coreutils, nothing else. */
export const minimalPath = '/usr/bin:/bin';

/** One pod: its UID, its state emptyDir, the prober's port, and a log file for each container. */
export interface Pod {
  readonly uid: string;
  readonly stateDir: string;
  readonly port: number;
  /** verdict.sh's IPF_LOG_TO. */
  readonly verdictLog: string;
  /** The prober's IPF_LOG_TO. */
  readonly proberLog: string;
}

export async function makePod(): Promise<Pod> {
  const directory = temporaryDirectory();
  const stateDir = join(directory, 'state');
  mkdirSync(stateDir);
  return {
    uid: randomUUID(),
    stateDir,
    port: await closedPort(),
    verdictLog: join(directory, 'verdict.log'),
    proberLog: join(directory, 'prober.log'),
  };
}

export interface RunningProber {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the prober wrote to stderr so far. */
  stderr(): string;
  /**
   * Its stderr once it contains `text`: a verdict or a file the prober wrote says nothing about
   * whether the line it logged first has come through the pipe yet, so reading stderr() then races.
   */
  logged(text: string, timeoutMs?: number): Promise<string>;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function proberEnv(pod: Pod, env: Env): Env {
  return {
    PATH: minimalPath,
    IPF_STATE_DIR: pod.stateDir,
    IPF_LOG_TO: pod.proberLog,
    IPF_POD_UID: pod.uid,
    IPF_PROBER_PORT: String(pod.port),
    ...env,
  };
}

function spawnProber(pod: Pod, env: Env): RunningProber {
  const child = spawn(bundleNode, [proberBundle], {
    env: proberEnv(pod, env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolved) =>
    child.on('close', (code, signal) => resolved({ code, signal })),
  );
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // A test may have left it stopped (SIGSTOP).
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  });
  const logged = async (text: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!stderr.includes(text) && Date.now() < deadline)
      await new Promise((resolved) => setTimeout(resolved, 20));
    return stderr;
  };
  return { child, pid: child.pid ?? 0, stderr: () => stderr, logged, exited };
}

/** Starts the built prober and waits for its `listening` line; rejects with its stderr if it exits. */
export async function startProber(pod: Pod, env: Env): Promise<RunningProber> {
  const prober = spawnProber(pod, env);
  const listening = `prober: listening on 127.0.0.1:${pod.port}\n`;
  await new Promise<void>((resolved, rejected) => {
    const timer = setTimeout(() => rejected(new Error(`no listening line: ${prober.stderr()}`)), 15_000);
    const onData = () => {
      if (!prober.stderr().includes(listening)) return;
      clearTimeout(timer);
      prober.child.stderr?.off('data', onData);
      resolved();
    };
    prober.child.stderr?.on('data', onData);
    prober.exited.then(({ code }) => {
      clearTimeout(timer);
      rejected(new Error(`the prober exited ${code} at start: ${prober.stderr()}`));
    });
  });
  return prober;
}

/** Runs the prober with settings that must stop it at start; returns how it exited. */
export async function proberAtStart(pod: Pod, env: Env): Promise<Exit> {
  const started = Date.now();
  const prober = spawnProber(pod, env);
  const { code } = await prober.exited;
  return { code, stdout: '', stderr: prober.stderr(), elapsedMs: Date.now() - started };
}

/**
 * A fresh pod's prober, with settings that must stop it at start: its stderr, once it has exited 1.
 * Any other exit throws, with what it wrote, so the test fails on the cause and not on the text.
 */
export async function refusedAtStart(env: Env): Promise<string> {
  const exit = await proberAtStart(await makePod(), env);
  if (exit.code !== 1)
    throw new Error(`expected the prober to exit 1 at start, got ${exit.code}: ${exit.stderr}`);
  return exit.stderr;
}

/** The environment keepalived's container gives verdict.sh, and nothing else (env -i). */
export function verdictEnv(pod: Pod, extra: Env = {}): Env {
  return {
    PATH: minimalPath,
    IPF_STATE_DIR: pod.stateDir,
    IPF_LOG_TO: pod.verdictLog,
    IPF_POD_UID: pod.uid,
    IPF_PROBER_PORT: String(pod.port),
    OPENSHIFT_HA_CHECK_INTERVAL: '1',
    ...extra,
  };
}

/** Runs verdict.sh as keepalived does: execve of the script, the environment given and no other. */
export function runVerdict(env: Env, args: string[] = ['tcp-check']): Promise<Exit> {
  const started = Date.now();
  const child = spawn(verdictScript, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // keepalived would have killed it at the interval; a test must not hang on a run that does not end.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolved) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolved({ code, stdout, stderr, elapsedMs: Date.now() - started });
    }),
  );
}

let nonces = 0;
/** A nonce as verdict.sh makes them: digits only. */
export const freshNonce = (): string => `${Date.now()}${process.pid}${++nonces}`;

/**
 * A raw client: connects, sends `line` as it is, and returns everything received until the prober
 * closes the connection (or `timeoutMs`). It never half-closes, as verdict.sh never does.
 */
export function ask(port: number, line: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolved, rejected) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(line));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      rejected(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolved(received);
    });
  });
}

/** The prober's own record: its counters, rewritten every 2 s. */
export interface ProberRecord {
  pid: number;
  port: number;
  checks: string[];
  requests: number;
  refused: Record<'version' | 'identity' | 'malformed' | 'check', number>;
  probes: Record<string, number>;
}

export function proberRecord(pod: Pod): ProberRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(pod.stateDir, PROBER_RECORD), 'utf8')) as ProberRecord;
  } catch {
    return undefined;
  }
}

/**
 * The verdict files in the pod's state directory, a temporary file counted as the file it becomes:
 * readdir is no snapshot, and during a rename it may list both names of the one file.
 */
export function verdictFiles(pod: Pod): string[] {
  const names = readdirSync(pod.stateDir).filter((name) => name.startsWith(VERDICT_PREFIX));
  return [...new Set(names.map((name) => name.replace(/\.\d+\.tmp$/, '')))];
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined,
  timeoutMs = 5000,
  what = 'a condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolved) => setTimeout(resolved, 50));
  }
}

export const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** A log line: the UTC time stamp verdict.sh and the checks write, then the line. */
export const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** A loopback target for tcp-check that answers each connection with its state (`up` at first) on a line. */
export async function switchableTcpTarget(): Promise<{ port: number; set(state: string): void }> {
  let state = 'up';
  const { port } = await tcpServer((socket) => socket.end(`${state}\n`));
  return { port, set: (value) => (state = value) };
}

/** The pod's prober serving tcp-check against `targetPort`, expecting `^up`, each request probing afresh. */
export function tcpCheckProber(pod: Pod, targetPort: number, extra: Env = {}) {
  return startProber(pod, {
    IPF_CHECKS: 'tcp-check',
    IPF_TCP_TARGETS: `127.0.0.1:${targetPort}`,
    IPF_TCP_EXPECT: '^up',
    IPF_PROBER_MIN_GAP_MS: '0',
    ...extra,
  });
}

/** A fresh pod whose prober serves tcp-check (tcpCheckProber) against a switchableTcpTarget, up at first. */
export async function tcpCheckPod(
  extra: Env = {},
): Promise<{ pod: Pod; target: Awaited<ReturnType<typeof switchableTcpTarget>>; prober: RunningProber }> {
  const pod = await makePod();
  const target = await switchableTcpTarget();
  const prober = await tcpCheckProber(pod, target.port, extra);
  return { pod, target, prober };
}
