import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm run lab` argument errors: one line and exit 2, before anything is checked, installed or made
 * (no root needed, no namespace appears). Run through tsx, as `npm run lab` runs it.
 */
function lab(...args: string[]) {
  // The timeout is only a guard: an argument wrongly accepted would start a real lab, and SIGTERM
  // makes it remove what it made.
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lab/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'ipft-lab-args-'));
const notExecutable = join(scratch, 'notify.sh');
writeFileSync(notExecutable, '#!/bin/bash\n', { mode: 0o644 });
/** An --image-env file that sets only the VIPs. */
function vipsFile(name: string, vips: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `OPENSHIFT_HA_VIRTUAL_IPS=${vips}\n`);
  return path;
}
const subnets = '(203.0.113.0/24 or 198.51.100.0/24)';

describe('npm run lab: argument errors', () => {
  it.each([
    [['--bogus'], "lab: Unknown option '--bogus'"],
    [['--mode', 'x'], 'lab: --mode: expected prober or oneshot, got "x"'],
    [['--scenario', 'nope'], 'lab: --scenario: expected all or one of service-down,'],
    [
      ['--mode', 'oneshot', '--scenario', 'cpu-pressure'],
      'lab: --scenario cpu-pressure: runs in prober mode only',
    ],
    [
      // A file that exists: Node.js loads it before the lab runs (a missing one gets Node's own
      // "not found", exit 9, which no code of ours can change).
      ['--env-file', notExecutable],
      'lab: --env-file: expected --image-env FILE (Node.js itself reads any --env-file argument',
    ],
    [['--tour', '--scenario', 'preempt'], 'lab: --tour: expected either --tour or --scenario, got both'],
    [['--hosts', '0'], 'lab: --hosts: expected a whole number from 2 to 9, got "0"'],
    [['--hosts', '3x'], 'lab: --hosts: expected a whole number from 2 to 9, got "3x"'],
    [['--hosts', '10'], 'lab: --hosts: expected a whole number from 2 to 9, got "10"'],
    [
      ['--image-env', '/nonexistent/lab.env'],
      'lab: --image-env: expected a readable KEY=value file, got "/nonexistent/lab.env": ',
    ],
    [
      ['--image-env', '/dev/zero'],
      'lab: --image-env: expected a readable KEY=value file, got "/dev/zero": /dev/zero is a character device, not a regular file',
    ],
    [
      // The lab sends traffic to its VIPs: one outside its own subnets is refused before setup.
      ['--image-env', vipsFile('outside.env', '10.0.0.1')],
      `lab: OPENSHIFT_HA_VIRTUAL_IPS in --image-env: expected addresses in one lab subnet ${subnets}, got 10.0.0.1`,
    ],
    [
      ['--image-env', vipsFile('two.env', '203.0.113.10,198.51.100.10-15')],
      `lab: OPENSHIFT_HA_VIRTUAL_IPS in --image-env: expected addresses in one lab subnet ${subnets}, got 203.0.113.10, 198.51.100.10, 198.51.100.11, 198.51.100.12, …`,
    ],
    [
      ['--check-script', '/nonexistent/check'],
      'lab: --check-script: expected an executable regular file, got "/nonexistent/check"',
    ],
    [
      ['--notify-script', notExecutable],
      `lab: --notify-script: expected an executable regular file, got "${notExecutable}"`,
    ],
    [['--notify-script', '/tmp'], 'lab: --notify-script: expected an executable regular file, got "/tmp"'],
    [['--node', '/bin/sh'], 'lab: --node: expected an executable regular file named node, got "/bin/sh"'],
    [
      ['--node', '/nonexistent/bin/node'],
      'lab: --node: expected an executable regular file named node, got "/nonexistent/bin/node"',
    ],
    [
      ['--node', `${process.execPath},/bin/sh`],
      'lab: --node: expected an executable regular file named node, got "/bin/sh"',
    ],
    [['--scenario', 'flap,nope'], 'lab: --scenario: expected all or one of service-down,'],
    [
      ['--mode', 'oneshot', '--scenario', 'flap,maintenance'],
      'lab: --scenario maintenance: runs in prober mode only',
    ],
    [
      ['--grid'],
      'lab: --grid: sizes --scenario service-down, maintenance, rolling-restart (or all), got no --scenario',
    ],
    [
      ['--grid', '--scenario', 'flap'],
      'lab: --grid: sizes --scenario service-down, maintenance, rolling-restart (or all), got --scenario flap',
    ],
    [['--runs', '300'], 'lab: --runs: sizes --scenario cpu-pressure (or all), got no --scenario'],
    [
      ['--runs', '0', '--scenario', 'cpu-pressure'],
      'lab: --runs: expected a whole number from 1 to 9999, got "0"',
    ],
    [
      ['--runs', '1e3', '--scenario', 'all'],
      'lab: --runs: expected a whole number from 1 to 9999, got "1e3"',
    ],
  ])('%j is one line on stderr and exit 2', (args, start) => {
    const run = lab(...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(start)).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([['--help'], ['-h']])('%s prints the usage and exits 0', (flag) => {
    const run = lab(flag);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^npm run lab -- \[--hosts N\]/);
    expect(run.stderr).toBe('');
  });
});
