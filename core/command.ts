import type { Env } from './settings.ts';

/** Everything a command touches outside itself, passed in so tests give argv and env directly. */
export interface CliContext {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /**
   * The folder of the built bundles that came with this ipft: dist/ of dist/cli.js, wherever it is
   * installed (a checkout, or npx's cache from the tarball). Unset in-process: `dist` in the current directory.
   */
  readonly bundleDir?: string;
}

/** Returns the exit code of a run that did its job (`ipft lint`: 1 for findings); a problem is thrown as a UserError. */
export type Command = (args: string[], context: CliContext) => Promise<number> | number;
