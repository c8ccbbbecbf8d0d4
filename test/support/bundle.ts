import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../core/settings.ts';
import { temporaryDirectory } from './harness.ts';
import { pathWithBundleNode } from './node.ts';

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** A copy of a built check alone in an empty folder: it must need nothing but node. */
export function installAlone(check: string): string {
  const path = join(temporaryDirectory(), `${check}.js`);
  copyFileSync(join('dist/checks', `${check}.js`), path);
  return path;
}

/**
 * Runs the file as keepalived does: execve of the script itself, no arguments, environment only. Its
 * `#!/usr/bin/env node` line finds the node under test (test/support/node.ts) first on PATH.
 */
export function runAsKeepalived(
  path: string,
  env: Env,
  args: string[] = [],
  onSpawn?: (pid: number) => void,
): Promise<Exit> {
  const started = Date.now();
  const child = spawn(path, args, {
    env: { PATH: pathWithBundleNode(), ...env },
    cwd: join(path, '..'),
  });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started })),
  );
}

/** Runs a check as keepalived does and sends SIGTERM after `afterMs`, as keepalived does at its timeout. */
export async function terminateMidRun(
  path: string,
  env: Env,
  afterMs = 500,
): Promise<Exit & { exitedAfterMs: number }> {
  let pid = 0;
  const running = runAsKeepalived(path, env, [], (spawned) => (pid = spawned));
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const sent = Date.now();
  process.kill(pid, 'SIGTERM');
  const result = await running;
  return { ...result, exitedAfterMs: Date.now() - sent };
}
