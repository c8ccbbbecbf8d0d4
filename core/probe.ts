import { deadlineMs, defaultStateDir, probeSettings } from './common-settings.ts';
import { describeError, SettingError } from './errors.ts';
import { freshStreak, nextStreak, type Thresholds } from './hysteresis.ts';
import {
  appendLine,
  logTarget,
  readStreak,
  type StatusRecord,
  statusPath,
  writeFileAtomic,
} from './report.ts';
import { knownSettingNames } from './setting-names.ts';
import {
  type Env,
  invalid,
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
}

/**
 * Every check has this shape (blackbox_exporter's prober model): the runner owns settings,
 * the deadline, hysteresis and reporting; a check only configures and probes.
 */
export interface Check<S extends SettingSpec, Config> {
  readonly name: string;
  readonly settings: S;
  /** Cross-setting validation and resolution; throws SettingError. */
  configure(values: SettingValues<S>, env: Env): Config;
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
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

type Configured<Config> = { ok: true; config: Config; deadline: number } | { ok: false; problems: string[] };

/** Runs a check once, as keepalived does, and returns the exit code: 0 pass, 1 fail. */
export async function runCheck<S extends SettingSpec, Config>(
  check: Check<S, Config>,
  options: RunOptions,
): Promise<0 | 1> {
  const startedAt = options.startedAt ?? elapsedMs();
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const validateOnly = options.argv[0] === '--validate';
  const common = readSettings(probeSettings, options.env);
  const configured = configure(check, options, common);

  if (validateOnly && options.argv.length === 1) {
    if (!configured.ok) {
      for (const problem of configured.problems) stderr(`${check.name}: ${problem}`);
      return 1;
    }
    for (const line of describeSettings(check, options.env, configured.deadline)) stdout(line);
    for (const line of check.describe(configured.config)) stdout(line);
    return 0;
  }

  const reporter = new Reporter(check.name, common.values, startedAt, stderr);
  if (!configured.ok) {
    // Bad settings are never masked by IPF_CHECK_FALL: a check that cannot run fails now.
    return reporter.finish(failed(configured.problems.join('; ')), false);
  }

  const controller = new AbortController();
  let activity = 'starting';
  let timer: NodeJS.Timeout | undefined;
  const deadline = configured.deadline;
  const outcomes: Promise<ProbeResult>[] = [
    check
      .probe(configured.config, { signal: controller.signal, step: (now) => (activity = now) })
      .catch((error: unknown) => failed(describeError(error))),
    new Promise((resolve) => {
      timer = setTimeout(
        () => resolve(failed(`timed out after ${deadline} ms ${activity}`)),
        Math.max(0, startedAt + deadline - elapsedMs()),
      );
    }),
  ];
  const { terminated } = options;
  if (terminated) {
    outcomes.push(
      new Promise((resolve) => {
        const onTerminate = () => resolve(failed(`terminated by SIGTERM ${activity}`));
        if (terminated.aborted) onTerminate();
        else terminated.addEventListener('abort', onTerminate, { once: true });
      }),
    );
  }
  const result = await Promise.race(outcomes);
  clearTimeout(timer);
  controller.abort();
  return reporter.finish(result, true);
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
  const deadline = deadlineMs(common.values.OPENSHIFT_HA_CHECK_INTERVAL, common.values.IPF_CHECK_TIMEOUT_MS);
  if (deadline <= 0) {
    problems.push(
      invalid(
        'OPENSHIFT_HA_CHECK_INTERVAL',
        'more than 0.3 seconds (the check keeps 300 ms to report before keepalived kills it)',
        quote(options.env.OPENSHIFT_HA_CHECK_INTERVAL),
      ),
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  try {
    return { ok: true, config: check.configure(own.values, options.env), deadline };
  } catch (error) {
    if (error instanceof SettingError) return { ok: false, problems: [...error.problems] };
    return { ok: false, problems: [describeError(error)] };
  }
}

function describeSettings(check: Check<SettingSpec, unknown>, env: Env, deadline: number): string[] {
  const lines = [`${check.name}: settings are valid; deadline ${deadline} ms`];
  for (const [name, setting] of Object.entries({ ...probeSettings, ...check.settings })) {
    const given = env[name];
    if (given !== undefined && given !== '') lines.push(`${name}=${given}`);
    else
      lines.push(
        `${name}=${setting.fallback ?? ''} (${setting.fallback === undefined ? 'unset' : 'default'})`,
      );
  }
  return lines;
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
  ) {
    this.thresholds = { rise: settings.IPF_CHECK_RISE ?? 1, fall: settings.IPF_CHECK_FALL ?? 1 };
    this.path = statusPath(settings.IPF_STATE_DIR ?? defaultStateDir, check);
    this.logTo = settings.IPF_LOG_TO;
  }

  finish(result: ProbeResult, countable: boolean): 0 | 1 {
    const previous = countable ? readStreak(this.path) : freshStreak;
    const streak = countable
      ? nextStreak(previous, result.ok, this.thresholds)
      : { passing: false, consecutive_failures: 1, consecutive_passes: 0 };
    const record: StatusRecord = {
      check: this.check,
      ok: result.ok,
      reason: result.ok ? '' : result.reason,
      duration_ms: Math.round(elapsedMs() - this.startedAt),
      at: Date.now() / 1000,
      ...streak,
    };
    const lines: string[] = [];
    if (!result.ok)
      lines.push(this.describeFailure(result.reason, streak.passing, streak.consecutive_failures));
    let passing = streak.passing;
    try {
      writeFileAtomic(this.path, `${JSON.stringify(record)}\n`);
    } catch (error) {
      // Without its state the check cannot apply hysteresis, so the probe result alone decides.
      passing = result.ok;
      lines.push(`${this.check}: cannot write the status record ${this.path}: ${describeError(error)}`);
    }
    const target = logTarget(this.logTo);
    for (const line of lines) {
      this.stderr(line);
      const problem = appendLine(target, `${new Date().toISOString()} ${line}`);
      if (problem) this.stderr(`${this.check}: ${problem}`);
    }
    return passing ? 0 : 1;
  }

  private describeFailure(reason: string, passing: boolean, failures: number): string {
    const masked = passing
      ? ` (failure ${failures} of IPF_CHECK_FALL=${this.thresholds.fall}, still passing)`
      : '';
    return `${this.check}: FAIL ${reason}${masked}`;
  }
}

/** The entry point of a bundled check: environment in, exit code out, nothing left running. */
export function main<S extends SettingSpec, Config>(check: Check<S, Config>): void {
  const terminated = new AbortController();
  process.once('SIGTERM', () => terminated.abort());
  runCheck(check, {
    argv: process.argv.slice(2),
    env: process.env,
    startedAt: 0,
    terminated: terminated.signal,
  }).then(
    // Every line was written synchronously, so exiting now loses nothing and leaves no socket behind.
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${check.name}: FAIL internal error: ${describeError(error)}\n`);
      process.exit(1);
    },
  );
}
