// core/linear-regex.ts matchWithin: a user's pattern on a large text runs off the event loop and
// ends when the caller's deadline aborts it. Real V8, real worker threads, no stand-ins.
import { describe, expect, it } from 'vitest';
import { INLINE_MATCH_WORK, linearRegex, matchWithin } from '../../core/linear-regex.ts';

const FOUR_MIB = 4 * 1024 * 1024;
const never = new AbortController().signal;
const SLOW_EVEN_IN_LINEAR_TIME = `(a+)+${'(b|a?)'.repeat(10)}$`;

describe('matchWithin', () => {
  it('matches a small text inline and a large one on a worker, with the same answers', async () => {
    const small = 'status: ok';
    expect(small.length * 'ok$'.length).toBeLessThanOrEqual(INLINE_MATCH_WORK);
    expect(await matchWithin(linearRegex('ok$'), small, never)).toEqual({ matched: true });
    expect(await matchWithin(linearRegex('^fail'), small, never)).toEqual({ matched: false });
    const large = `${'a'.repeat(FOUR_MIB - 2)}ok`;
    expect(large.length * 'ok$'.length).toBeGreaterThan(INLINE_MATCH_WORK);
    expect(await matchWithin(linearRegex('ok$'), large, never)).toEqual({ matched: true });
    expect(await matchWithin(linearRegex('^ok'), large, never)).toEqual({ matched: false });
  });

  it('keeps the event loop turning during a 25-second match, and ends it when the signal aborts', async () => {
    // Falls back to the linear engine at once, and even there costs about 25 s on 4 MiB: on the
    // calling thread it would hold every timer for that long.
    const text = `${'a'.repeat(FOUR_MIB - 1)}!`;
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    setTimeout(() => controller.abort(), 300);
    const outcome = await matchWithin(linearRegex(SLOW_EVEN_IN_LINEAR_TIME), text, controller.signal);
    clearInterval(ticker);
    expect(outcome).toEqual({ reason: 'aborted' });
    expect(ticks).toBeGreaterThan(5);
  });

  it('a match V8 cannot complete is a reason, not a thrown error', async () => {
    const text = `${'a'.repeat(FOUR_MIB - 1)}!`;
    const outcome = await matchWithin(linearRegex('(a|aa)+$'), text, never);
    expect(outcome).toEqual({
      reason: expect.stringMatching(/^\/\(a\|aa\)\+\$\/ could not be matched: .*call stack/),
    });
  });

  it('an aborted signal matches nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await matchWithin(linearRegex('a'), 'a', controller.signal)).toEqual({ reason: 'aborted' });
  });
});
