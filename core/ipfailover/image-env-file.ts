import { parseEnv } from 'node:util';
import { readRegularText } from '../bounded-file.ts';
import { describeError, UsageError } from '../errors.ts';

/** An env file is a few lines of KEY=value; anything larger is not one. */
const IMAGE_ENV_FILE_MAX_BYTES = 64 * 1024;

/**
 * The option that names an OPENSHIFT_HA_* env file, for `ipft render` and the lab. Not `--env-file`:
 * Node.js reads an `--env-file` argument even after the script name (nodejs/node#54232), before any
 * of our code runs, so `--env-file /dev/zero` hung node itself and a missing file exited 9.
 */
export const IMAGE_ENV_OPTION = 'image-env';

/** `--image-env FILE`, read as the toolkit reads every file: regular, bounded, never blocking. */
export function readImageEnvFile(path: string): Record<string, string> {
  const given = JSON.stringify(path.slice(0, 200));
  let text: string;
  try {
    text = readRegularText(path, IMAGE_ENV_FILE_MAX_BYTES);
  } catch (error) {
    throw new UsageError(
      `--${IMAGE_ENV_OPTION}: expected a readable KEY=value file, got ${given}: ${describeError(error)}`,
    );
  }
  let parsed: NodeJS.Dict<string>;
  try {
    parsed = parseEnv(text);
  } catch (error) {
    throw new UsageError(
      `--${IMAGE_ENV_OPTION}: expected KEY=value lines in ${given}: ${describeError(error)}`,
    );
  }
  return Object.fromEntries(
    Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** `--env-file` among `args` (before a `--`): Node.js took it already, so say what to use instead. */
export function refuseEnvFileOption(args: readonly string[]): void {
  const end = args.indexOf('--');
  const before = end < 0 ? args : args.slice(0, end);
  if (before.some((arg) => arg === '--env-file' || arg.startsWith('--env-file=')))
    throw new UsageError(
      `--env-file: expected --${IMAGE_ENV_OPTION} FILE (Node.js itself reads any --env-file argument, before this tool runs), got --env-file`,
    );
}
