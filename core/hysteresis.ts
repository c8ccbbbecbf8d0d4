/** What the check last told keepalived, and the runs of equal probe results that led to it. */
export interface Streak {
  readonly passing: boolean;
  readonly consecutive_failures: number;
  readonly consecutive_passes: number;
}

/** A fresh start passes: keepalived keeps instances in INIT until the first result anyway. */
export const freshStreak: Streak = { passing: true, consecutive_failures: 0, consecutive_passes: 0 };

export interface Thresholds {
  readonly rise: number;
  readonly fall: number;
}

export function nextStreak(previous: Streak, probeOk: boolean, { rise, fall }: Thresholds): Streak {
  if (probeOk) {
    const passes = previous.consecutive_passes + 1;
    return {
      passing: previous.passing || passes >= rise,
      consecutive_failures: 0,
      consecutive_passes: passes,
    };
  }
  const failures = previous.consecutive_failures + 1;
  return {
    passing: previous.passing && failures < fall,
    consecutive_failures: failures,
    consecutive_passes: 0,
  };
}

export function isStreak(value: unknown): value is Streak {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.passing === 'boolean' &&
    Number.isSafeInteger(record.consecutive_failures) &&
    Number.isSafeInteger(record.consecutive_passes)
  );
}
