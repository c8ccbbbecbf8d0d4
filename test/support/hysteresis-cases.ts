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

const streak = (passing: boolean, failures: number, passes: number): Streak => ({
  passing,
  consecutive_failures: failures,
  consecutive_passes: passes,
});
const one = { rise: 1, fall: 1 };

export const HYSTERESIS_CASES: readonly HysteresisCase[] = [
  {
    name: 'FALL 1: a failure fails',
    thresholds: one,
    start: streak(true, 0, 4),
    probeOk: false,
    expected: streak(false, 1, 0),
  },
  {
    name: 'RISE 1: a pass passes',
    thresholds: one,
    start: streak(false, 2, 0),
    probeOk: true,
    expected: streak(true, 0, 1),
  },
  {
    name: 'a pass while passing',
    thresholds: one,
    start: streak(true, 0, 1),
    probeOk: true,
    expected: streak(true, 0, 2),
  },
  {
    name: 'FALL 3: the first failure still passes',
    thresholds: { rise: 1, fall: 3 },
    start: streak(true, 0, 7),
    probeOk: false,
    expected: streak(true, 1, 0),
  },
  {
    name: 'FALL 3: the second failure still passes',
    thresholds: { rise: 1, fall: 3 },
    start: streak(true, 1, 0),
    probeOk: false,
    expected: streak(true, 2, 0),
  },
  {
    name: 'FALL 3: the third failure fails',
    thresholds: { rise: 1, fall: 3 },
    start: streak(true, 2, 0),
    probeOk: false,
    expected: streak(false, 3, 0),
  },
  {
    name: 'FALL 3: a pass between failures starts the count again',
    thresholds: { rise: 1, fall: 3 },
    start: streak(true, 2, 0),
    probeOk: true,
    expected: streak(true, 0, 1),
  },
  {
    name: 'RISE 2: the first pass is held back',
    thresholds: { rise: 2, fall: 1 },
    start: streak(false, 5, 0),
    probeOk: true,
    expected: streak(false, 0, 1),
  },
  {
    name: 'RISE 2: the second pass passes',
    thresholds: { rise: 2, fall: 1 },
    start: streak(false, 0, 1),
    probeOk: true,
    expected: streak(true, 0, 2),
  },
  {
    name: 'RISE 2: a failure between passes starts the count again',
    thresholds: { rise: 2, fall: 1 },
    start: streak(false, 0, 1),
    probeOk: false,
    expected: streak(false, 1, 0),
  },
  {
    name: 'FALL 2 while failing: a failure stays failing',
    thresholds: { rise: 1, fall: 2 },
    start: streak(false, 0, 0),
    probeOk: false,
    expected: streak(false, 1, 0),
  },
  {
    name: 'the failure count saturates at STREAK_MAX',
    thresholds: { rise: 1, fall: 1000 },
    start: streak(false, STREAK_MAX, 0),
    probeOk: false,
    expected: streak(false, STREAK_MAX, 0),
  },
  {
    name: 'the pass count saturates at STREAK_MAX',
    thresholds: { rise: 1000, fall: 1 },
    start: streak(true, 0, STREAK_MAX),
    probeOk: true,
    expected: streak(true, 0, STREAK_MAX),
  },
];

/**
 * Streaks read back, valid or not. A record that is not one this code could have written (both counts at
 * once, a count past STREAK_MAX) is corrupt, and a corrupt record is a fresh start: it must never make a
 * failing probe pass.
 */
export const STREAK_RECORD_CASES: readonly { readonly streak: Streak; readonly valid: boolean }[] = [
  { streak: streak(true, 0, 0), valid: true },
  { streak: streak(false, 0, 0), valid: true },
  { streak: streak(true, 3, 0), valid: true },
  { streak: streak(false, 0, STREAK_MAX), valid: true },
  { streak: streak(true, 2, 3), valid: false },
  { streak: streak(true, STREAK_MAX + 1, 0), valid: false },
  { streak: streak(false, 0, STREAK_MAX + 1), valid: false },
];
