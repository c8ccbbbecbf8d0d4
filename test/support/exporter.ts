import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Env, readSettings } from '../../core/settings.ts';
import { buildApp } from '../../exporter/app.ts';
import { type MetricName, metricNames } from '../../exporter/metric-names.ts';
import { exporterSettings } from '../../exporter/settings.ts';
import { onCleanup, temporaryDirectory } from './harness.ts';
import type { TestHost } from './netns.ts';
import { bundleNode } from './node.ts';

export function transitionLine(
  name: string,
  state: string,
  ts: number,
  priority: number | null = 100,
  node = 'node-a',
): string {
  return `${JSON.stringify({ ts, node, type: 'INSTANCE', name, state, priority })}\n`;
}

export function spoolDir(): string {
  const directory = join(temporaryDirectory(), 'state');
  mkdirSync(directory, { recursive: true });
  return directory;
}

export function append(stateDir: string, text: string): void {
  appendFileSync(join(stateDir, 'transitions.jsonl'), text);
}

/**
 * The tests' VIPs are documentation addresses outside any namespace of theirs: the reachability
 * probes would send SYNs to them through the machine's network. They are off unless a test asks.
 */
const NO_REACH_PROBES = { IPF_REACH_INTERVAL_MS: '0' } as const;

/** The app in-process (fastify inject), with its own registry and a temp state directory. */
export function inProcessExporter(env: Env, logs: string[] = []) {
  const { values, problems } = readSettings(exporterSettings, {
    IPF_LOG_TO: 'none',
    ...NO_REACH_PROBES,
    ...env,
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const app = buildApp({
    settings: values,
    env,
    node: 'node-a',
    version: 'test',
    log: (line) => logs.push(line),
  });
  onCleanup(() => app.close());
  return app;
}

export interface RunningExporter {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /**
   * The log once it contains `text`. An answer over HTTP does not mean the lines the exporter wrote
   * before it have come through its stderr pipe yet: reading stderr() right after one races.
   */
  logged: (text: string, timeoutMs?: number) => Promise<string>;
}

/** The built dist/exporter/exporter.js as a process, not waited for: for runs that must fail to start. */
export function spawnExporter(env: Env): RunningExporter {
  const child = spawn(bundleNode, ['dist/exporter/exporter.js'], {
    env: {
      PATH: process.env.PATH,
      IPF_EXPORTER_HOST: '127.0.0.1',
      IPF_LOG_TO: 'none',
      ...NO_REACH_PROBES,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logged = async (text: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!stderr.includes(text) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    return stderr;
  };
  return { url: `http://127.0.0.1:${env.IPF_EXPORTER_PORT}`, child, stderr: () => stderr, logged };
}

/** The built dist/exporter/exporter.js as a process on a loopback port. */
export async function startExporter(env: Env): Promise<RunningExporter> {
  const port = await freePort();
  const exporter = spawnExporter({ IPF_EXPORTER_PORT: String(port), ...env });
  const { url, child, stderr } = exporter;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the exporter exited ${child.exitCode}: ${stderr()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return exporter;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`the exporter did not answer within 10 s: ${stderr()}`);
}

/** The exit code of a child, or undefined if it is still running after `timeoutMs`. */
export async function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | null | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** GET with a deadline, so a server that hangs fails the test with a message instead of its timeout. */
export async function get(url: string, timeoutMs = 5000): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A series of the exporter's as the exposition writes it: a metric name, then its labels if it has any. */
export type Series =
  | MetricName
  | `${MetricName}{${string}}`
  // A histogram's series.
  | `${MetricName}_${'sum' | 'count' | 'bucket'}{${string}}`;

/** One sample's value from a Prometheus text exposition, or undefined. */
export function sample(metrics: string, series: Series): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every sample of one metric: its labels as written (`a="x",b="y"`, or '' without labels) and its value. */
export function samplesOf(metrics: string, metric: MetricName): { labels: string; value: number }[] {
  const samples: { labels: string; value: number }[] = [];
  for (const line of metrics.split('\n')) {
    const match = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] === metric) samples.push({ labels: match[2] ?? '', value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample of one metric, such as all the transitions counted. */
export const seriesTotal = (metrics: string, metric: MetricName): number =>
  samplesOf(metrics, metric).reduce((sum, { value }) => sum + value, 0);

/** How many instances are MASTER on the node, by its ipfailover_vrrp_state. */
export const masterCount = (metrics: string): number =>
  samplesOf(metrics, metricNames.vrrpState).filter(
    ({ labels, value }) => value === 1 && labels.includes('state="master"'),
  ).length;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The built exporter inside a test namespace, on 127.0.0.1:9871 there, with `env` as its whole
 * environment (PATH added); `scrape()` reads its /metrics from inside the namespace ('' until it answers).
 */
export function exporterIn(host: TestHost, env: Env): { scrape: () => string; pid: number } {
  const child = host.spawn(bundleNode, [resolve('dist/exporter/exporter.js')], {
    PATH: process.env.PATH,
    ...env,
    IPF_EXPORTER_HOST: '127.0.0.1',
    IPF_EXPORTER_PORT: '9871',
  });
  const scrape = () =>
    host.exec(process.execPath, [
      '-e',
      'fetch("http://127.0.0.1:9871/metrics").then(r => r.text()).then(t => process.stdout.write(t)).catch(() => {})',
    ]);
  if (child.pid === undefined) throw new Error('the exporter did not start');
  // `ip netns exec` execs the command, so this is the exporter's own PID.
  return { scrape, pid: child.pid };
}
