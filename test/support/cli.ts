import { runCli } from '../../cli/main.ts';
import type { Env } from '../../core/settings.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs ipft in-process with the given argv and environment. */
export async function ipft(argv: string[], env: Env = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}
