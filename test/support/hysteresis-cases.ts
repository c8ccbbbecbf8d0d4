// Hysteresis, as one table of cases: core/hysteresis.ts (the checks, the one-shot bundles) and verdict.sh
// (prober mode, in bash) both implement it, and both are run against every row (test/unit/hysteresis.test.ts
// and test/verdict.test.ts).
import { STREAK_MAX, type Streak, type Thresholds } from '../../core/hysteresis.ts';

export interface HysteresisCase {
  readonly name: string;
  readonly thresholds: Thresholds;
  /** The streak the last run left. */
  readonly start: Streak;
  /** This run's probe result. */
  readonly probeOk: boolean;
  /** The streak after it; `passing` is what keepalived is told. */
  readonly expected: Streak;
}

/** A streak written as verdict.sh keeps it: `passing failures passes`, passing 1 or 0. */
export function streakOf(text: string): Streak {
  const [passing, failures, passes] = text.split(' ').map(Number);
  return { passing: passing === 1, consecutive_failures: failures ?? 0, consecutive_passes: passes ?? 0 };
}

const MAX = String(STREAK_MAX);

/** name, RISE, FALL, the streak before, the probe's result, the streak after. */
const rows: readonly [string, number, number, string, 'pass' | 'fail', string][] = [
  ['FALL 1: a failure fails', 1, 1, '1 0 4', 'fail', '0 1 0'],
  ['RISE 1: a pass passes', 1, 1, '0 2 0', 'pass', '1 0 1'],
  ['a pass while passing', 1, 1, '1 0 1', 'pass', '1 0 2'],
  ['FALL 3: the first failure still passes', 1, 3, '1 0 7', 'fail', '1 1 0'],
  ['FALL 3: the second failure still passes', 1, 3, '1 1 0', 'fail', '1 2 0'],
  ['FALL 3: the third failure fails', 1, 3, '1 2 0', 'fail', '0 3 0'],
  ['FALL 3: a pass between failures starts the count again', 1, 3, '1 2 0', 'pass', '1 0 1'],
  ['RISE 2: the first pass is held back', 2, 1, '0 5 0', 'pass', '0 0 1'],
  ['RISE 2: the second pass passes', 2, 1, '0 0 1', 'pass', '1 0 2'],
  ['RISE 2: a failure between passes starts the count again', 2, 1, '0 0 1', 'fail', '0 1 0'],
  ['FALL 2 while failing: a failure stays failing', 1, 2, '0 0 0', 'fail', '0 1 0'],
  ['the failure count saturates at STREAK_MAX', 1, 1000, `0 ${MAX} 0`, 'fail', `0 ${MAX} 0`],
  ['the pass count saturates at STREAK_MAX', 1000, 1, `1 0 ${MAX}`, 'pass', `1 0 ${MAX}`],
];

export const HYSTERESIS_CASES: readonly HysteresisCase[] = rows.map(
  ([name, rise, fall, start, probe, expected]) => ({
    name,
    thresholds: { rise, fall },
    start: streakOf(start),
    probeOk: probe === 'pass',
    expected: streakOf(expected),
  }),
);

/**
 * Streaks read back, valid or not. A record that is not one this code could have written (both counts at
 * once, a count past STREAK_MAX) is corrupt, and a corrupt record is a fresh start: it must never make a
 * failing probe pass.
 */
export const STREAK_RECORD_CASES: readonly { readonly streak: Streak; readonly valid: boolean }[] = [
  ['1 0 0', true],
  ['0 0 0', true],
  ['1 3 0', true],
  [`0 0 ${MAX}`, true],
  ['1 2 3', false],
  [`1 ${STREAK_MAX + 1} 0`, false],
  [`0 0 ${STREAK_MAX + 1}`, false],
].map(([text, valid]) => ({ streak: streakOf(String(text)), valid: valid === true }));
