import { setFlagsFromString } from 'node:v8';
import { describeError, Expected } from './errors.ts';

/**
 * User-supplied patterns (IPF_HTTP_BODY_REGEX, IPF_HTTP_BODY_NOT_REGEX, IPF_TCP_EXPECT) run against
 * what a server sends. V8's backtracking engine takes exponential time on patterns like `(a+)+$`,
 * and a match is one synchronous call: it blocks the deadline timer and the SIGTERM handler alike,
 * until keepalived's SIGKILL. Two V8 flags close that:
 * - `--enable-experimental-regexp-engine-on-excessive-backtracks` moves a match that backtracks too
 *   much to V8's linear-time engine (`(a+)+$` on 40 `a`s and a `!`: 2 ms instead of minutes).
 * - That engine cannot run backreferences or lookahead (nor lookbehind in Node.js 20's V8; Node.js 22
 *   and later run lookbehind in it), so such a pattern would stay exponential.
 *   `--enable-experimental-regexp-engine` gives the `l` flag, whose compile fails exactly for those
 *   patterns: they are refused as settings, before anything is probed. What is refused is what this
 *   runtime's engine cannot run, and the message says so.
 * Patterns still run on the backtracking engine until they misbehave: the linear engine is 100 to
 * 1000 times slower on ordinary patterns (4 MiB of body, measured with node -e). Flags apply to patterns compiled
 * after they are set, and this module is imported before any user pattern is compiled. Linear time
 * is still not bounded time: matchWithin below keeps large matches off the event loop.
 */
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** Longer patterns are not health checks; the linear engine's cost grows with the pattern too. */
const PATTERN_MAX_CHARACTERS = 1000;

/** Whether this runtime's linear engine runs lookbehind: Node.js 22 and later do, Node.js 20 does not. */
function linearLookbehind(): boolean {
  const lookbehind = '(?<=a)b';
  try {
    new RegExp(lookbehind, 'l');
    return true;
  } catch {
    return false;
  }
}

/** Built only for a refusal: the probe compiles a pattern, and every check run would pay for it. */
const linearOnly = () =>
  `a JavaScript regular expression that runs in linear time (no backreferences such as \\1, no lookahead${linearLookbehind() ? '' : ' or lookbehind'})`;

export function linearRegex(raw: string): RegExp {
  if (raw.length > PATTERN_MAX_CHARACTERS) {
    throw new Expected(`a regular expression of at most ${PATTERN_MAX_CHARACTERS} characters`);
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(raw);
  } catch (error) {
    throw new Expected(`a JavaScript regular expression (${describeError(error)})`);
  }
  try {
    new RegExp(raw, 'l');
  } catch {
    // The pattern is valid but the linear engine cannot run it; or this runtime has no `l` flag, and
    // then no pattern can be proven safe: both fail closed, as a setting problem.
    throw new Expected(linearOnly());
  }
  return pattern;
}

export type MatchOutcome = { readonly matched: boolean } | { readonly reason: string };

/**
 * Text length × pattern length up to which a match runs on the calling thread. Even the linear
 * engine costs up to about 0.25 µs per character per pattern character (a 906-character pattern on
 * 64 KiB: 35 s; `a{1,1000}x` on 4 MiB: 10 s), so only a small product is run inline: the worst
 * pattern tried took 16 ms at this size. Anything larger runs on a worker thread that the caller's
 * deadline terminates, and a health body or banner of a few KiB against a short pattern stays inline.
 */
export const INLINE_MATCH_WORK = 64 * 1024;

// A worker has its own isolate but shares V8's flags, so it compiles patterns with the same
// fallback to the linear engine. It gets plain data only: the pattern's source and flags, and the text.
const MATCH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let outcome;
try { outcome = { matched: new RegExp(workerData.source, workerData.flags).test(workerData.text) }; }
catch (error) { outcome = { reason: String(error && error.message || error) }; }
parentPort.postMessage(outcome);
`;

/**
 * `pattern.test(text)`, bounded: a large match runs on a worker thread, terminated when `signal`
 * aborts (the caller's deadline), so no pattern and no text can hold the event loop, the deadline
 * timer or the SIGTERM handler. A match that cannot complete (V8's regex stack overflows on
 * `(a|aa)+$` and a few MiB) is a reason, never a thrown error: the caller fails closed.
 */
export function matchWithin(pattern: RegExp, text: string, signal: AbortSignal): Promise<MatchOutcome> {
  if (signal.aborted) return Promise.resolve({ reason: 'aborted' });
  if (text.length * Math.max(1, pattern.source.length) <= INLINE_MATCH_WORK) {
    try {
      pattern.lastIndex = 0;
      return Promise.resolve({ matched: pattern.test(text) });
    } catch (error) {
      return Promise.resolve({ reason: `${pattern} could not be matched: ${describeError(error)}` });
    }
  }
  return matchOnWorker(pattern, text, signal);
}

/**
 * The worker path. node:worker_threads is loaded here, not at start: a check that never matches a
 * large text (nearly every run) would pay about 1.3 ms of CPU for it.
 */
async function matchOnWorker(pattern: RegExp, text: string, signal: AbortSignal): Promise<MatchOutcome> {
  const { Worker } = await import('node:worker_threads');
  if (signal.aborted) return { reason: 'aborted' };
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(MATCH_WORKER, {
      eval: true,
      workerData: { source: pattern.source, flags: pattern.flags, text },
      stdout: true,
      stderr: true,
    });
    const settle = (outcome: MatchOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate().catch(() => undefined);
      resolve(outcome);
    };
    const onAbort = () => settle({ reason: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: { matched?: boolean; reason?: string }) =>
      settle(
        typeof message.matched === 'boolean'
          ? { matched: message.matched }
          : { reason: `${pattern} could not be matched: ${message.reason ?? 'no result'}` },
      ),
    );
    worker.on('error', (error) =>
      settle({ reason: `${pattern} could not be matched: ${describeError(error)}` }),
    );
    worker.on('exit', () => settle({ reason: `${pattern} could not be matched: the match worker exited` }));
  });
}
