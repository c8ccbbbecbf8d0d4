import type { Mode } from './setting-names.ts';

/** What the check last told keepalived, and the runs of equal probe results that led to it. */
export interface Streak {
  readonly passing: boolean;
  readonly consecutive_failures: number;
  readonly consecutive_passes: number;
}

/**
 * Where a check starts without a record (a first run, or a record that is missing or corrupt), by mode.
 * One-shot: passing, since keepalived keeps instances in INIT until the check's first result anyway.
 * Prober: failing until IPF_CHECK_RISE passes, as keepalived's init_fail does, because verdict.sh also
 * starts afresh after a pod restart, where a pass before any probe with IPF_CHECK_FALL > 1 would let a
 * `state MASTER` slot pull its VIP onto a dead application.
 */
export const freshStreaks: Readonly<Record<Mode, Streak>> = {
  oneshot: { passing: true, consecutive_failures: 0, consecutive_passes: 0 },
  prober: { passing: false, consecutive_failures: 0, consecutive_passes: 0 },
};

export interface Thresholds {
  readonly rise: number;
  readonly fall: number;
}

/** The largest IPF_CHECK_FALL and IPF_CHECK_RISE. */
export const THRESHOLD_MAX = 1000;

/**
 * Streaks saturate here: past the largest IPF_CHECK_FALL and IPF_CHECK_RISE (THRESHOLD_MAX) a longer streak
 * decides nothing, and a bound lets a record with an absurd count be recognised as corrupt.
 */
export const STREAK_MAX = 1_000_000;

export function nextStreak(previous: Streak, probeOk: boolean, { rise, fall }: Thresholds): Streak {
  if (probeOk) {
    const passes = Math.min(STREAK_MAX, previous.consecutive_passes + 1);
    return {
      passing: previous.passing || passes >= rise,
      consecutive_failures: 0,
      consecutive_passes: passes,
    };
  }
  const failures = Math.min(STREAK_MAX, previous.consecutive_failures + 1);
  return {
    passing: previous.passing && failures < fall,
    consecutive_failures: failures,
    consecutive_passes: 0,
  };
}

const isCount = (value: unknown): boolean =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= STREAK_MAX;

/**
 * Whether a record read back is a streak this code could have written. Anything else (a negative
 * count, which would mask failures for ever, both streaks at once, a failing check with no failure)
 * is corrupt, and a corrupt record is a fresh start: it must never make a failing probe pass.
 */
export function isStreak(value: unknown): value is Streak {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.passing !== 'boolean') return false;
  if (!isCount(record.consecutive_failures) || !isCount(record.consecutive_passes)) return false;
  const failures = record.consecutive_failures as number;
  const passes = record.consecutive_passes as number;
  return !(failures > 0 && passes > 0);
}
