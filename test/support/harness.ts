import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { Check } from '../../core/probe.ts';
import { runCheck } from '../../core/probe.ts';
import type { StatusRecord } from '../../core/report.ts';
import type { Env, SettingSpec } from '../../core/settings.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

export function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ipft-test-'));
  onCleanup(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** A directory that lives until the end of the file's tests, for fixtures made in beforeAll. */
export function suiteDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ipft-suite-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** A state directory and a log file of the test's own: tests never write to the real PID 1. */
export function isolatedEnv(extra: Env = {}): Env & { IPF_STATE_DIR: string; IPF_LOG_TO: string } {
  const directory = temporaryDirectory();
  return { IPF_STATE_DIR: join(directory, 'state'), IPF_LOG_TO: join(directory, 'check.log'), ...extra };
}

export interface RunResult {
  code: 0 | 1;
  stdout: string[];
  stderr: string[];
  elapsedMs: number;
  record: StatusRecord | undefined;
  log: string;
}

export async function runInProcess<S extends SettingSpec, C>(
  check: Check<S, C>,
  env: ReturnType<typeof isolatedEnv>,
  argv: string[] = [],
): Promise<RunResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const started = Date.now();
  const code = await runCheck(check, {
    argv,
    env,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
  return { code, stdout, stderr, elapsedMs: Date.now() - started, ...readOutputs(check.name, env) };
}

export function readOutputs(
  check: string,
  env: { IPF_STATE_DIR: string; IPF_LOG_TO: string },
): { record: StatusRecord | undefined; log: string } {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const record = read(join(env.IPF_STATE_DIR, `check-${check}.json`));
  return {
    record: record ? (JSON.parse(record) as StatusRecord) : undefined,
    log: read(env.IPF_LOG_TO) ?? '',
  };
}

/** A raw TCP listener on 127.0.0.1, port 0, that hands each connection to `onConnection`. */
export async function tcpServer(
  onConnection: (socket: Socket) => void,
): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as { port: number }).port, server };
}

/** An HTTP(S) server listening on 127.0.0.1, port 0, closed with its connections after the test; its port. */
export async function listenOnLoopback(server: HttpServer | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve).closeAllConnections()));
  return (server.address() as { port: number }).port;
}

/** A port that refuses connections: bound once, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
