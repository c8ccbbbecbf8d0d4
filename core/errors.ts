/**
 * The one user-facing error class: its message is shown as it is, never with a stack trace.
 * Each problem is one line of the form `NAME: expected X, got "Y"`.
 */
export class SettingError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'SettingError';
    this.problems = problems;
  }
}

/** Thrown by a value parser; the settings reader adds the variable name and the raw value. */
export class Expected extends Error {
  /** `given` replaces the quoted raw value, e.g. to point at one entry of a list. */
  constructor(
    readonly expected: string,
    readonly given?: string,
  ) {
    super(expected);
    this.name = 'Expected';
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
