// core/hysteresis.ts against the table that verdict.sh is run against too (test/verdict.test.ts).
import { describe, expect, it } from 'vitest';
import { isStreak, nextStreak } from '../../core/hysteresis.ts';
import { HYSTERESIS_CASES, STREAK_RECORD_CASES } from '../support/hysteresis-cases.ts';

describe('hysteresis (core/hysteresis.ts), by the shared table', () => {
  it.each(HYSTERESIS_CASES.map((row) => [row.name, row]))('%s', (_, row) => {
    expect(nextStreak(row.start, row.probeOk, row.thresholds)).toEqual(row.expected);
  });

  it.each(STREAK_RECORD_CASES.map((row) => [JSON.stringify(row.streak), row]))(
    'a streak read back: %s',
    (_, { streak, valid }) => {
      expect(isStreak(streak)).toBe(valid);
    },
  );
});
