/**
 * The benchmark's targets, one way for all three parts: each part prints a target's result where it
 * measures it and records it (JSON lines in the file named by BENCH_TARGETS, which bench/main.ts
 * sets); bench/main.ts sums them up in one line, and with --check exits 1 when one was missed.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';

export const BENCH_PARTS = ['checks', 'exporter', 'prober'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface TargetResult {
  readonly part: string;
  /** What was measured against what, e.g. `http-check CPU ≤ 1.35×`. */
  readonly target: string;
  readonly met: boolean;
}

export const TARGETS_FILE_VARIABLE = 'BENCH_TARGETS';

/**
 * For one part: records a target's result and returns the word to print after it. Run alone
 * (`tsx bench/checks.ts`), a part records nothing and prints the same lines.
 */
export function targetRecorder(part: BenchPart): (target: string, met: boolean) => 'met' | 'MISSED' {
  return (target, met) => {
    const file = process.env[TARGETS_FILE_VARIABLE];
    if (file) appendFileSync(file, `${JSON.stringify({ part, target, met } satisfies TargetResult)}\n`);
    return met ? 'met' : 'MISSED';
  };
}

export function readTargetResults(file: string): TargetResult[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TargetResult);
}

export const BENCH_USAGE = `npm run bench -- [--check] [PART…]

Runs the benchmark parts (${BENCH_PARTS.join(', ')}; all unless some are named), each against a baseline
measured in the same run, and prints one line of targets met and missed.

  --check     exit 1 when a target was missed (without it, the benchmark only informs)
  -h, --help  this text
`;

export interface BenchArguments {
  /** --help or -h: print BENCH_USAGE and run nothing. */
  readonly help: boolean;
  /** --check: exit 1 when a target was missed; without it the benchmark only informs. */
  readonly check: boolean;
  /** The parts to run, in their order; all of them unless some are named. */
  readonly parts: readonly BenchPart[];
}

/** `npm run bench -- [--check] [PART…]`; anything else is a UsageError. */
export function parseBenchArguments(argv: readonly string[]): BenchArguments {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true, check: false, parts: [] };
  const unknown = argv.filter(
    (word) => word !== '--check' && !(BENCH_PARTS as readonly string[]).includes(word),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `expected --check or parts among ${BENCH_PARTS.join(', ')}, got ${unknown.map((word) => JSON.stringify(word)).join(', ')}`,
    );
  }
  return {
    help: false,
    check: argv.includes('--check'),
    parts: argv.some((word) => word !== '--check')
      ? BENCH_PARTS.filter((part) => argv.includes(part))
      : BENCH_PARTS,
  };
}

export interface BenchVerdict {
  readonly exitCode: 0 | 1;
  /** One line: every target met, or how many were missed and which. */
  readonly summary: string;
}

/**
 * Pass or fail. Missed targets fail only with --check; a part that failed to run, or no target
 * measured at all, fails either way (there is nothing to inform about).
 */
export function benchVerdict(
  results: readonly TargetResult[],
  check: boolean,
  failedParts: readonly string[] = [],
): BenchVerdict {
  if (failedParts.length > 0)
    return { exitCode: 1, summary: `bench: ${failedParts.join(', ')} did not finish; no verdict` };
  if (results.length === 0) return { exitCode: 1, summary: 'bench: no target was measured' };
  const missed = results.filter((result) => !result.met);
  if (missed.length === 0)
    return { exitCode: 0, summary: `bench: every target met (${results.length} of ${results.length})` };
  return {
    exitCode: check ? 1 : 0,
    summary: `bench: ${missed.length} of ${results.length} targets MISSED: ${missed.map(({ part, target }) => `${part}: ${target}`).join('; ')}`,
  };
}
