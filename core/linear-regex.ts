import { setFlagsFromString } from 'node:v8';
import { describeError, Expected } from './errors.ts';

/**
 * User-supplied patterns (IPF_HTTP_BODY_REGEX, IPF_HTTP_BODY_NOT_REGEX, IPF_TCP_EXPECT) run against
 * what a server sends. V8's backtracking engine takes exponential time on patterns like `(a+)+$`,
 * and a match is one synchronous call: it blocks the deadline timer and the SIGTERM handler alike,
 * until keepalived's SIGKILL. Two V8 flags close that:
 * - `--enable-experimental-regexp-engine-on-excessive-backtracks` moves a match that backtracks too
 *   much to V8's linear-time engine (`(a+)+$` on 40 `a`s and a `!`: 2 ms instead of minutes).
 * - That engine cannot run backreferences or lookaround, so such a pattern would stay exponential.
 *   `--enable-experimental-regexp-engine` gives the `l` flag, whose compile fails exactly for those
 *   patterns: they are refused as settings, before anything is probed.
 * Patterns still run on the backtracking engine until they misbehave: the linear engine is 100 to
 * 1000 times slower on ordinary patterns (bench/, 4 MiB of body). Flags apply to patterns compiled
 * after they are set, and this module is imported before any user pattern is compiled.
 */
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** Longer patterns are not health checks; the linear engine's cost grows with the pattern too. */
export const PATTERN_MAX_CHARACTERS = 1000;

const LINEAR_ONLY =
  'a JavaScript regular expression that runs in linear time (no backreferences such as \\1, no lookahead or lookbehind)';

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
    throw new Expected(LINEAR_ONLY);
  }
  return pattern;
}
