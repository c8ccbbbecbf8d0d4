import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BENCH_PARTS,
  BENCH_USAGE,
  benchVerdict,
  parseBenchArguments,
  readTargetResults,
  TARGETS_FILE_VARIABLE,
  type TargetResult,
  targetRecorder,
} from '../../bench/targets.ts';
import { UsageError } from '../../core/errors.ts';

describe('npm run bench arguments', () => {
  it('without any: every part, informational', () => {
    expect(parseBenchArguments([])).toEqual({ help: false, check: false, parts: BENCH_PARTS });
  });

  it('--check, anywhere; named parts run in the benchmark’s order, each once', () => {
    expect(parseBenchArguments(['--check'])).toEqual({ help: false, check: true, parts: BENCH_PARTS });
    expect(parseBenchArguments(['prober', '--check', 'checks', 'prober'])).toEqual({
      help: false,
      check: true,
      parts: ['checks', 'prober'],
    });
  });

  it.each([['--help'], ['-h'], ['--check', '-h']])(
    '%j prints the usage, runs nothing and exits 0',
    (...argv) => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...argv], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(BENCH_USAGE);
      expect(run.stderr).toBe('');
    },
  );

  const refusal = (argv: string[]) => {
    try {
      parseBenchArguments(argv);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('refuses an unknown flag or part with one line, exit 2', () => {
    const flag = refusal(['--chek']);
    expect(flag).toBeInstanceOf(UsageError);
    expect(flag).toMatchObject({
      exitCode: 2,
      message: 'expected --check or parts among checks, exporter, prober, got "--chek"',
    });
    expect(refusal(['--check=yes', 'check', 'prober', 'lab'])).toMatchObject({
      exitCode: 2,
      message: 'expected --check or parts among checks, exporter, prober, got "--check=yes", "check", "lab"',
    });
  });
});

describe('the verdict', () => {
  const met: TargetResult = { part: 'checks', target: 'tcp-check CPU ≤ 1.15× node', met: true };
  const missedCpu: TargetResult = { part: 'checks', target: 'http-check CPU ≤ 1.35× node', met: false };
  const missedRatio: TargetResult = {
    part: 'prober',
    target: 'prober http-check at 1 s ≤ 3× stock',
    met: false,
  };

  it('every target met: exit 0, with or without --check', () => {
    for (const check of [false, true])
      expect(benchVerdict([met, { ...met, target: 'all checks < 700 KiB' }], check)).toEqual({
        exitCode: 0,
        summary: 'bench: every target met (2 of 2)',
      });
  });

  it('a target missed: exit 1 with --check, 0 without, and one line naming each missed target', () => {
    const summary =
      'bench: 2 of 3 targets MISSED: checks: http-check CPU ≤ 1.35× node; prober: prober http-check at 1 s ≤ 3× stock';
    expect(benchVerdict([met, missedCpu, missedRatio], true)).toEqual({ exitCode: 1, summary });
    expect(benchVerdict([met, missedCpu, missedRatio], false)).toEqual({ exitCode: 0, summary });
    expect(summary).not.toContain('\n');
  });

  it('a part that did not finish, or nothing measured, fails even without --check', () => {
    expect(benchVerdict([met], false, ['bench/exporter.ts (exit 1)'])).toEqual({
      exitCode: 1,
      summary: 'bench: bench/exporter.ts (exit 1) did not finish; no verdict',
    });
    expect(benchVerdict([], false)).toEqual({ exitCode: 1, summary: 'bench: no target was measured' });
  });
});

describe('what each part records', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ipft-bench-targets-test-'));
  const saved = process.env[TARGETS_FILE_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[TARGETS_FILE_VARIABLE];
    else process.env[TARGETS_FILE_VARIABLE] = saved;
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('returns the word to print, and appends one JSON line per target to BENCH_TARGETS when set', () => {
    const file = join(directory, 'targets.jsonl');
    process.env[TARGETS_FILE_VARIABLE] = file;
    const target = targetRecorder('exporter');
    expect(target('/metrics p99 ≤ 10 ms', true)).toBe('met');
    expect(target('spool ingest ≥ 20,000 lines/s', false)).toBe('MISSED');
    expect(readTargetResults(file)).toEqual([
      { part: 'exporter', target: '/metrics p99 ≤ 10 ms', met: true },
      { part: 'exporter', target: 'spool ingest ≥ 20,000 lines/s', met: false },
    ]);
    expect(benchVerdict(readTargetResults(file), true)).toEqual({
      exitCode: 1,
      summary: 'bench: 1 of 2 targets MISSED: exporter: spool ingest ≥ 20,000 lines/s',
    });
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
  });

  it('run alone (no BENCH_TARGETS), a part records nothing and prints the same words', () => {
    delete process.env[TARGETS_FILE_VARIABLE];
    const target = targetRecorder('prober');
    expect(target('verdict.sh tcp-check CPU ≤ 1.3× stock', false)).toBe('MISSED');
  });
});
