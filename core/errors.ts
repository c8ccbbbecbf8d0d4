/**
 * Exit codes, the same in every process: a check, the exporter, `ipft`, the lab.
 * `ipft` also exits 1 for lint findings, and a check exits 1 for a failed probe.
 */
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * The one base of every error the toolkit throws on purpose: its message is for the person who runs
 * the toolkit and is shown as it is, never with a stack trace, and the process that it reaches
 * exits with `exitCode`. A plain Error is a bug, and is shown in full.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The UserError an error stands for, or undefined for a bug. node:util's parseArgs throws TypeErrors
 * with an ERR_PARSE_ARGS_* code for unknown or malformed flags: those are usage errors.
 */
export function asUserError(error: unknown): UserError | undefined {
  if (error instanceof UserError) return error;
  if ((error as { code?: unknown } | undefined)?.code?.toString().startsWith('ERR_PARSE_ARGS')) {
    return new UsageError((error as Error).message);
  }
  return undefined;
}

/** A mistake in what the user gave (a flag, a file): shown as one message, exit 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT_BAD_INPUT);
  }
}

/**
 * Settings that cannot be used. Each problem is one line of the form `NAME: expected X, got "Y"`.
 * The process that reads them cannot do its job: exit 1.
 */
export class SettingError extends UserError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'), EXIT_FAILED);
    this.problems = problems;
  }
}

/** Thrown by a value parser; the settings reader adds the variable name and the raw value. */
export class Expected extends UserError {
  /** `given` replaces the quoted raw value, e.g. to point at one entry of a list. */
  constructor(
    readonly expected: string,
    readonly given?: string,
  ) {
    super(expected);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
