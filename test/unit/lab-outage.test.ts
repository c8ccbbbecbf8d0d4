// The lab's client-side outage arithmetic: gaps in a series of answers, ordered by when each request
// was sent (answers come back out of order), and the sum per VIP. Series as the recorder stores them.
import { describe, expect, it } from 'vitest';
import { gapsIn, outageTable, perVip } from '../../lab/outage.ts';

/** One sample every 20 ms from t = 1000: `pattern` is a host name per character, `.` a failed request. */
function series(pattern: string): { sentAt: number; by: string | undefined }[] {
  return [...pattern].map((char, index) => ({
    sentAt: 1000 + index * 20,
    by: char === '.' ? undefined : `h${char}`,
  }));
}

describe('client-side outage', () => {
  it('measures a gap from its first failed request to the first answered one, with who answered on each side', () => {
    expect(gapsIn('v', series('222....333'), 0, 2000)).toEqual([
      { vip: 'v', from: 'h2', to: 'h3', startedAt: 1060, ms: 80, failed: 4 },
    ]);
  });

  it('orders the answers by when they were sent, not when they came back', () => {
    const samples = series('22..33').reverse();
    expect(gapsIn('v', samples, 0, 2000)).toEqual([
      { vip: 'v', from: 'h2', to: 'h3', startedAt: 1040, ms: 40, failed: 2 },
    ]);
  });

  it('takes who answered last from before the window, and leaves a gap open to its end as nobody', () => {
    expect(gapsIn('v', series('222...'), 1060, 1200)).toEqual([
      { vip: 'v', from: 'h2', to: undefined, startedAt: 1060, ms: 140, failed: 3 },
    ]);
  });

  it('adds up every gap of a VIP, and shows a VIP that moved without a missed answer as 0 ms', () => {
    const gaps = [...gapsIn('a', series('1..2.2'), 0, 2000), ...gapsIn('b', series('3333'), 0, 2000)];
    expect(perVip(gaps, ['b']).map(({ vip, ms, failed }) => ({ vip, ms, failed }))).toEqual([
      { vip: 'b', ms: 0, failed: 0 },
      { vip: 'a', ms: 60, failed: 3 },
    ]);
  });

  it('tabulates median, max and failed requests per case', () => {
    const gaps = [...gapsIn('a', series('1..2'), 0, 2000), ...gapsIn('b', series('1....3'), 0, 2000)];
    const [, , row] = outageTable([{ label: 'maintenance', outages: perVip(gaps) }]);
    expect(row?.split(/\s{2,}/).filter(Boolean)).toEqual(['maintenance', '2', '60 ms', '80 ms', '6']);
  });
});
