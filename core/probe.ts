import { setMaxListeners } from 'node:events';
import { deadlineMs, defaultStateDir, probeSettings } from './common-settings.ts';
import { describeError, SettingError } from './errors.ts';
import { nextStreak, type Streak, type Thresholds } from './hysteresis.ts';
import {
  appendLine,
  logTarget,
  readPrevious,
  type StatusRecord,
  statusPath,
  writeFileAtomic,
} from './report.ts';
import { knownSettingNames } from './setting-names.ts';
import {
  type Env,
  invalid,
  LIST_MAX_ENTRIES,
  quote,
  type ReadResult,
  readSettings,
  type SettingSpec,
  type SettingValues,
  unknownSettings,
} from './settings.ts';

/**
 * Milliseconds since the process started. Not performance.now(): loading perf_hooks costs the
 * checks measurable CPU on every run, and process.uptime() has the same origin.
 */
const elapsedMs = (): number => process.uptime() * 1000;

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };
export const passed: ProbeResult = { ok: true };
export const failed = (reason: string): ProbeResult => ({ ok: false, reason });

export interface ProbeContext {
  /** Aborted at the deadline, and once the verdict is in. */
  readonly signal: AbortSignal;
  /** Says what the probe is doing now, so a timeout can say what it was waiting for. */
  step(activity: string): void;
  /** Milliseconds left before the runner's deadline (the resident prober's may be shorter): at least 0. */
  remainingMs(): number;
}

/** What the runner resolves from the settings every check shares, for a check's configure. */
export interface RunSettings {
  /** The smaller of IPF_CHECK_TIMEOUT_MS and the interval minus DEADLINE_MARGIN_MS, from process start. */
  readonly deadlineMs: number;
  readonly stateDir: string;
}

/**
 * Every check has this shape (blackbox_exporter's prober model): the runner owns settings,
 * the deadline, hysteresis and reporting; a check only configures and probes.
 */
export interface Check<S extends SettingSpec, Config> {
  readonly name: string;
  readonly settings: S;
  /** Cross-setting validation and resolution; throws SettingError. */
  configure(values: SettingValues<S>, run: RunSettings): Config;
  /** Lines for `--validate`: what will be probed. */
  describe(config: Config): string[];
  /** A target that is down is a result, not an exception. */
  probe(config: Config, context: ProbeContext): Promise<ProbeResult>;
}

export interface RunOptions {
  readonly argv: readonly string[];
  readonly env: Env;
  /** In elapsedMs() time; the entry point passes 0, the process start, so start-up counts. */
  readonly startedAt?: number;
  /** Aborted on SIGTERM, which keepalived sends when a run outlasts the interval. */
  readonly terminated?: AbortSignal;
  /**
   * Aborted, with the error as its reason, when an error escapes every handler (an 'error' event
   * nobody listens to, a rejection nobody awaits). The run then fails with a reason line and a record,
   * and hysteresis counts it, instead of the process dying with a stack trace.
   */
  readonly crashed?: AbortSignal;
  /**
   * Set by the resident prober: each probe counts alone (verdict.sh applies IPF_CHECK_FALL and RISE
   * to what keepalived is told), a reason line is written only when the result changes, and the
   * client's remaining budget may shorten the deadline.
   */
  readonly resident?: { readonly deadlineMs: number };
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

type Configured<Config> = { ok: true; config: Config; deadline: number } | { ok: false; problems: string[] };

/** Runs a check once, as keepalived does, and returns the exit code: 0 pass, 1 fail. */
export async function runCheck<S extends SettingSpec, Config>(
  check: Check<S, Config>,
  options: RunOptions,
): Promise<0 | 1> {
  return (await runCheckWithResult(check, options)).code;
}

export interface RunOutcome {
  readonly code: 0 | 1;
  /** The probe's own result, before hysteresis; the reason already one line. */
  readonly result: ProbeResult;
}

export async function runCheckWithResult<S extends SettingSpec, Config>(
  check: Check<S, Config>,
  options: RunOptions,
): Promise<RunOutcome> {
  const startedAt = options.startedAt ?? elapsedMs();
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const validateOnly = options.argv[0] === '--validate';
  const common = readSettings(probeSettings, options.env);
  const configured = configure(check, options, common);

  if (validateOnly && options.argv.length === 1) {
    if (!configured.ok) {
      for (const problem of configured.problems) stderr(`${check.name}: ${problem}`);
      return { code: 1, result: failed(oneLine(configured.problems.join('; '))) };
    }
    for (const line of describeSettings(check, options.env, configured.deadline)) stdout(line);
    for (const line of check.describe(configured.config)) stdout(line);
    return { code: 0, result: passed };
  }

  const reporter = new Reporter(check.name, common.values, startedAt, stderr, options.resident !== undefined);
  if (!configured.ok) {
    // Bad settings are never masked by IPF_CHECK_FALL: a check that cannot run fails now.
    return reporter.finish(failed(configured.problems.join('; ')), false);
  }

  const controller = new AbortController();
  // One listener per target (up to LIST_MAX_ENTRIES URLs or addresses), plus the runner's own.
  setMaxListeners(LIST_MAX_ENTRIES * 4, controller.signal);
  let activity = 'starting';
  let timer: NodeJS.Timeout | undefined;
  const deadline = Math.min(configured.deadline, options.resident?.deadlineMs ?? Number.POSITIVE_INFINITY);
  const remainingMs = () => Math.max(0, startedAt + deadline - elapsedMs());
  const context: ProbeContext = { signal: controller.signal, step: (now) => (activity = now), remainingMs };
  const outcomes: Promise<ProbeResult>[] = [
    check.probe(configured.config, context).catch((error: unknown) => failed(describeError(error))),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(failed(`timed out after ${deadline} ms ${activity}`)), remainingMs());
    }),
  ];
  const { terminated, crashed } = options;
  if (terminated) outcomes.push(onAbort(terminated, () => failed(`terminated by SIGTERM ${activity}`)));
  if (crashed) {
    outcomes.push(
      onAbort(crashed, () => failed(`internal error ${activity}: ${describeError(crashed.reason)}`)),
    );
  }
  const result = await Promise.race(outcomes);
  clearTimeout(timer);
  controller.abort();
  return reporter.finish(result, true);
}

function onAbort(signal: AbortSignal, outcome: () => ProbeResult): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(outcome());
    else signal.addEventListener('abort', () => resolve(outcome()), { once: true });
  });
}

function configure<S extends SettingSpec, Config>(
  check: Check<S, Config>,
  options: RunOptions,
  common: ReadResult<typeof probeSettings>,
): Configured<Config> {
  const problems = [...common.problems];
  const extra = options.argv.filter((argument, index) => !(index === 0 && argument === '--validate'));
  if (extra.length > 0) {
    problems.push(
      invalid('arguments', 'none (keepalived passes none) or --validate', quote(extra.join(' '))),
    );
  }
  problems.push(...unknownSettings(options.env, knownSettingNames));
  const own = readSettings(check.settings, options.env);
  problems.push(...own.problems);
  // The interval is at least 1 s, so the deadline is at least 700 ms.
  const deadline = deadlineMs(
    common.values.OPENSHIFT_HA_CHECK_INTERVAL ?? 1,
    common.values.IPF_CHECK_TIMEOUT_MS,
  );
  if (problems.length > 0) return { ok: false, problems };
  const run: RunSettings = { deadlineMs: deadline, stateDir: common.values.IPF_STATE_DIR };
  try {
    return { ok: true, config: check.configure(own.values, run), deadline };
  } catch (error) {
    if (error instanceof SettingError) return { ok: false, problems: [...error.problems] };
    return { ok: false, problems: [describeError(error)] };
  }
}

function describeSettings(check: Check<SettingSpec, unknown>, env: Env, deadline: number): string[] {
  const lines = [`${check.name}: settings are valid; deadline ${deadline} ms`];
  for (const [name, setting] of Object.entries({ ...probeSettings, ...check.settings })) {
    const given = env[name];
    if (given !== undefined && given !== '')
      lines.push(`${name}=${oneLine(setting.display?.(given, env) ?? given)}`);
    else
      lines.push(
        `${name}=${setting.fallback ?? ''} (${setting.fallback === undefined ? 'unset' : 'default'})`,
      );
  }
  return lines;
}

/**
 * A reason line stays one line and short: a newline or a terminal escape from a server's reply or a
 * setting is escaped, and the line is cut so that one append to a pipe stays under PIPE_BUF (4096),
 * which the kernel writes whole.
 */
export const REASON_MAX_CHARACTERS = 1000;

export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped.
  const escaped = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (character) =>
    JSON.stringify(character).slice(1, -1),
  );
  if (escaped.length <= REASON_MAX_CHARACTERS) return escaped;
  return `${escaped.slice(0, REASON_MAX_CHARACTERS)}... (${escaped.length} characters)`;
}

/** Turns a probe result into keepalived's exit code, the status record and the log line, synchronously. */
class Reporter {
  private readonly thresholds: Thresholds;
  private readonly path: string;
  private readonly logTo: string | undefined;

  constructor(
    private readonly check: string,
    settings: Partial<SettingValues<typeof probeSettings>>,
    private readonly startedAt: number,
    private readonly stderr: (line: string) => void,
    private readonly resident: boolean,
  ) {
    this.thresholds = resident
      ? { rise: 1, fall: 1 }
      : { rise: settings.IPF_CHECK_RISE ?? 1, fall: settings.IPF_CHECK_FALL ?? 1 };
    this.path = statusPath(settings.IPF_STATE_DIR ?? defaultStateDir, check);
    this.logTo = settings.IPF_LOG_TO;
  }

  /** `countable`: whether hysteresis applies; bad settings fail now, whatever IPF_CHECK_FALL says. */
  finish(result: ProbeResult, countable: boolean): RunOutcome {
    const previous = readPrevious(this.path);
    const streak: Streak = countable
      ? nextStreak(previous.streak, result.ok, this.thresholds)
      : { passing: false, consecutive_failures: 1, consecutive_passes: 0 };
    const reason = result.ok ? '' : oneLine(result.reason);
    const record: StatusRecord = {
      check: this.check,
      ok: result.ok,
      reason,
      duration_ms: Math.round(elapsedMs() - this.startedAt),
      at: Date.now() / 1000,
      ...streak,
      log_skipped_total: previous.logSkipped,
    };
    const lines: string[] = [];
    let passing = streak.passing;
    let recorded = true;
    try {
      writeFileAtomic(this.path, `${JSON.stringify(record)}\n`);
    } catch (error) {
      // Without its state the check cannot apply hysteresis, so the probe result alone decides.
      passing = result.ok;
      recorded = false;
      lines.push(
        oneLine(`${this.check}: cannot write the status record ${this.path}: ${describeError(error)}`),
      );
    }
    // Resident: a line when the result changes, and none for a first pass (nothing changed from it).
    const unchanged =
      this.resident &&
      ((previous.ok === result.ok && previous.reason === reason) || (previous.ok === undefined && result.ok));
    const verdict = unchanged ? undefined : this.describe(result.ok, reason, passing, streak);
    if (verdict) lines.unshift(verdict);
    const skipped = this.log(lines);
    if (skipped > 0 && recorded) {
      // Rare: only when IPF_LOG_TO would block. The count must survive the run, as the streak does.
      try {
        writeFileAtomic(
          this.path,
          `${JSON.stringify({ ...record, log_skipped_total: record.log_skipped_total + skipped })}\n`,
        );
      } catch {
        // The record written a moment ago stands; only this run's count is lost.
      }
    }
    return { code: passing ? 0 : 1, result: result.ok ? passed : failed(reason) };
  }

  /** The line for this run, if it needs one: every failure, and every pass keepalived is not told. */
  private describe(ok: boolean, reason: string, passing: boolean, streak: Streak): string | undefined {
    if (ok && this.resident) return `${this.check}: PASS again`;
    if (!ok) {
      const masked = passing
        ? ` (failure ${streak.consecutive_failures} of IPF_CHECK_FALL=${this.thresholds.fall}, still passing)`
        : '';
      return `${this.check}: FAIL ${reason}${masked}`;
    }
    if (!passing) {
      return `${this.check}: PASS held back (pass ${streak.consecutive_passes} of IPF_CHECK_RISE=${this.thresholds.rise}, still failing)`;
    }
    return undefined;
  }

  /** Writes each line to stderr and IPF_LOG_TO; returns how many IPF_LOG_TO skipped rather than block. */
  private log(lines: readonly string[]): number {
    if (lines.length === 0) return 0;
    const target = logTarget(this.logTo);
    let skipped = 0;
    for (const line of lines) {
      this.stderr(line);
      const outcome = appendLine(target, `${new Date().toISOString()} ${line}`);
      if (outcome && !outcome.written) {
        if (outcome.skipped) skipped += 1;
        this.stderr(
          `${this.check}: ${outcome.skipped ? 'skipped' : 'cannot append to'} IPF_LOG_TO ${target}: ${outcome.why}`,
        );
      }
    }
    return skipped;
  }
}

/** The entry point of a bundled check: environment in, exit code out, nothing left running. */
export function main<S extends SettingSpec, Config>(check: Check<S, Config>): void {
  const terminated = new AbortController();
  const crashed = new AbortController();
  process.once('SIGTERM', () => terminated.abort());
  const crash = (error: unknown) => crashed.abort(error);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  runCheck(check, {
    argv: process.argv.slice(2),
    env: process.env,
    startedAt: 0,
    terminated: terminated.signal,
    crashed: crashed.signal,
  }).then(exitWhenFlushed, (error: unknown) => {
    process.stderr.write(`${check.name}: FAIL internal error: ${oneLine(describeError(error))}\n`);
    exitWhenFlushed(1);
  });
}

/** How long exiting waits for stdout and stderr to drain into a pipe nobody reads fast enough. */
const FLUSH_MAX_MS = 200;

/**
 * Exits once stdout and stderr have drained: on a pipe, process.exit() right after a write cuts the
 * output at 64 KiB. Exiting at once anyway leaves no socket of the probe behind.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  for (const stream of pending) stream.once('drain', () => --left === 0 && process.exit(code));
  setTimeout(() => process.exit(code), FLUSH_MAX_MS).unref();
}
