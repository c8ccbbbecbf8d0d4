import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { probeSettings } from '../../core/common-settings.ts';
import { describeError } from '../../core/errors.ts';
import { type Check, exitWhenFlushed, oneLine, runCheckWithResult } from '../../core/probe.ts';
import { PROBER_HEARTBEAT_MS, PROBER_RECORD, type ProberCheck } from '../../core/prober-protocol.ts';
import { writeFileAtomic } from '../../core/report.ts';
import { knownSettingNames } from '../../core/setting-names.ts';
import { type Env, invalid, readSettings, type SettingSpec, unknownSettings } from '../../core/settings.ts';
import { externalIpCheck } from '../externalip/check.ts';
import { httpCheck } from '../http/check.ts';
import { tcpCheck } from '../tcp/check.ts';
import { createProber, type Prober } from './prober.ts';
import { proberSettings } from './settings.ts';

const allChecks: Readonly<Record<ProberCheck, Check<SettingSpec, unknown>>> = {
  'tcp-check': tcpCheck as Check<SettingSpec, unknown>,
  'http-check': httpCheck as Check<SettingSpec, unknown>,
  'externalip-check': externalIpCheck as Check<SettingSpec, unknown>,
};

/** The settings of core/probe.ts, read alike by every check. */
const sharedPrefixes = Object.keys(probeSettings);

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface StartedProber {
  readonly prober: Prober;
  readonly port: number;
  /** Starts the drain: answers go on for IPF_PROBER_DRAIN_S, then the prober closes. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Checks every setting of the prober and of each check it serves before anything listens: bad
 * settings are one line each and exit 1 at start, never a failing run later.
 */
export async function startProber(env: Env): Promise<StartedProber | string[]> {
  const { values, problems } = readSettings(proberSettings, env);
  problems.push(...unknownSettings(env, knownSettingNames));
  // Only when unset: a value that did not parse has its own line above, and one line per setting.
  if (!env.IPF_CHECKS)
    problems.push(invalid('IPF_CHECKS', `a comma list of ${Object.keys(allChecks).join(', ')}`, 'nothing'));
  if (!env.IPF_POD_UID) {
    problems.push(
      invalid('IPF_POD_UID', 'the pod UID from the downward API (fieldRef metadata.uid)', 'nothing'),
    );
  }
  const checks = new Map<ProberCheck, Check<SettingSpec, unknown>>();
  for (const name of new Set(values.IPF_CHECKS ?? [])) {
    const check = allChecks[name];
    checks.set(name, check);
    const lines: string[] = [];
    await runCheckWithResult(check, {
      argv: ['--validate'],
      env,
      stdout: () => {},
      stderr: (line) => lines.push(line),
    });
    // Each check reports the unknown names too: they are listed once, above. A setting every check
    // reads (OPENSHIFT_HA_CHECK_INTERVAL, IPF_CHECK_*) is listed once too, without a check's name.
    for (const line of lines) {
      if (line.includes(': unknown setting; did you mean')) continue;
      const shared = sharedPrefixes.some((name) => line.startsWith(`${check.name}: ${name}: `));
      problems.push(shared ? line.slice(check.name.length + 2) : line);
    }
  }
  if (problems.length > 0 || !values.IPF_POD_UID) return [...new Set(problems)];
  const stateDir = values.IPF_STATE_DIR;
  try {
    mkdirSync(stateDir, { recursive: true });
  } catch (error) {
    return [
      invalid(
        'IPF_STATE_DIR',
        `a directory the prober can write (${describeError(error)})`,
        JSON.stringify(stateDir),
      ),
    ];
  }
  const prober = createProber({
    checks,
    env,
    podUid: values.IPF_POD_UID,
    stateDir,
    minGapMs: values.IPF_PROBER_MIN_GAP_MS,
    log,
  });
  try {
    await prober.listen(values.IPF_PROBER_PORT);
  } catch (error) {
    await prober.close();
    return [
      `cannot listen on 127.0.0.1:${values.IPF_PROBER_PORT} (IPF_PROBER_PORT): ${describeError(error)}`,
    ];
  }
  const startedAt = Date.now() / 1000;
  const record = join(stateDir, PROBER_RECORD);
  const heartbeat = () => {
    try {
      writeFileAtomic(
        record,
        `${JSON.stringify({ pid: process.pid, started_at: startedAt, at: Date.now() / 1000, port: values.IPF_PROBER_PORT, checks: [...checks.keys()], ...prober.counters })}\n`,
      );
    } catch (error) {
      log(`prober: cannot write ${record}: ${describeError(error)}`);
    }
  };
  heartbeat();
  const beat = setInterval(heartbeat, PROBER_HEARTBEAT_MS);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(beat);
      await prober.close();
    })();
    return closing;
  };
  return {
    prober,
    port: values.IPF_PROBER_PORT,
    close,
    drain: async () => {
      log(
        `prober: SIGTERM; answering for ${values.IPF_PROBER_DRAIN_S} s more, so that keepalived can resign first`,
      );
      await new Promise((resolve) => setTimeout(resolve, values.IPF_PROBER_DRAIN_S * 1000));
      await close();
    },
  };
}

/** The prober's entry point: one resident process for every check named in IPF_CHECKS. */
export function main(): void {
  let started: StartedProber | undefined;
  // An error that escapes every handler fails the probes in flight, and the prober serves on.
  const crash = (error: unknown) => {
    log(`prober: internal error: ${oneLine(describeError(error))}`);
    started?.prober.crash(error);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  startProber(process.env).then(
    (result) => {
      if (Array.isArray(result)) {
        for (const line of result) log(`prober: ${line}`);
        return exitWhenFlushed(1);
      }
      started = result;
      let draining = false;
      const stop = () => {
        if (draining) return;
        draining = true;
        result.drain().then(() => exitWhenFlushed(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      // Only now: a SIGTERM sent by whoever saw this line must find the handler, not the default action.
      log(`prober: listening on 127.0.0.1:${result.port}`);
    },
    (error: unknown) => {
      log(`prober: internal error at start: ${oneLine(describeError(error))}`);
      exitWhenFlushed(1);
    },
  );
}
