import { accessSync, constants, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { describeError, SettingError } from '../core/errors.ts';
import { knownSettingNames } from '../core/setting-names.ts';
import { type Env, invalid, quote, readSettings, unknownSettings } from '../core/settings.ts';
import { buildApp } from './app.ts';
import { exporterSettings } from './settings.ts';

declare const EXPORTER_VERSION: string;

export function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} exporter: ${line}\n`);
}

/** Settings and the state directory, checked before anything listens: each problem is one line. */
export function startupProblems(env: Env): {
  problems: string[];
  values: ReturnType<typeof readSettings<typeof exporterSettings>>['values'];
} {
  const { values, problems } = readSettings(exporterSettings, env);
  problems.push(...unknownSettings(env, knownSettingNames));
  if (problems.length === 0) {
    try {
      mkdirSync(values.IPF_STATE_DIR, { recursive: true });
      accessSync(values.IPF_STATE_DIR, constants.R_OK | constants.W_OK);
    } catch (error) {
      problems.push(
        invalid(
          'IPF_STATE_DIR',
          `a directory the exporter can write (${describeError(error)})`,
          quote(env.IPF_STATE_DIR ?? values.IPF_STATE_DIR),
        ),
      );
    }
  }
  return { problems, values };
}

/** Listens until SIGTERM; throws SettingError, before or instead of listening, for what stops it. */
export async function serve(env: Env): Promise<void> {
  const { problems, values } = startupProblems(env);
  if (problems.length > 0) throw new SettingError(problems);
  const node = env.NODE_NAME || hostname();
  const version = typeof EXPORTER_VERSION === 'string' ? EXPORTER_VERSION : 'dev';
  const app = buildApp({ settings: values, env, node, version, log });
  try {
    await app.listen({ port: values.IPF_EXPORTER_PORT, host: values.IPF_EXPORTER_HOST });
  } catch (error) {
    // listen() ran the onReady hooks first: the watcher and timers they started would keep this
    // process alive, not listening, until the kubelet gave up on it. Closing the app stops them all.
    await app.close().catch(() => {});
    throw new SettingError([
      invalid(
        'IPF_EXPORTER_HOST, IPF_EXPORTER_PORT',
        'an address and port this node lets the exporter listen on',
        `${quote(`${values.IPF_EXPORTER_HOST}:${values.IPF_EXPORTER_PORT}`)} (${describeError(error)})`,
      ),
    ]);
  }
  log(
    `listening on ${values.IPF_EXPORTER_HOST}:${values.IPF_EXPORTER_PORT}, spool ${values.IPF_STATE_DIR}, node ${node}`,
  );
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
