import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `npm run lab` argument errors: one line and exit 2, before anything is checked, installed or made
 * (no root needed, no namespace appears). Run through tsx, as `npm run lab` runs it.
 */
function lab(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'lab/main.ts', ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run lab: argument errors', () => {
  it.each([
    [['--bogus'], "lab: Unknown option '--bogus'"],
    [['--mode', 'x'], 'lab: --mode: expected prober or oneshot, got "x"'],
    [['--scenario', 'nope'], 'lab: --scenario: expected all or one of service-down,'],
    [
      ['--mode', 'oneshot', '--scenario', 'cpu-pressure'],
      'lab: --scenario cpu-pressure: runs in prober mode only',
    ],
  ])('%j is one line on stderr and exit 2', (args, start) => {
    const run = lab(...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith(start)).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('--help prints the usage and exits 0', () => {
    const run = lab('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^npm run lab -- \[--hosts N\]/);
    expect(run.stderr).toBe('');
  });
});
