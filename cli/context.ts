import type { Env } from '../core/settings.ts';

/** Everything a command touches outside itself, passed in so tests give argv and env directly. */
export interface CliContext {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A mistake in what the user gave (a flag, a file): shown as one message, exit 2, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Command = (args: string[], context: CliContext) => Promise<number> | number;
