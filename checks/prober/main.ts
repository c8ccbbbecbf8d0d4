import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { probeSettings } from '../../core/common-settings.ts';
import { describeError } from '../../core/errors.ts';
import { type Check, exitWhenFlushed, oneLine, runCheckWithResult } from '../../core/probe.ts';
import { PROBER_HEARTBEAT_MS, PROBER_RECORD, type ProberCheck } from '../../core/prober-protocol.ts';
import { writeFileAtomic } from '../../core/report.ts';
import { knownSettingNames } from '../../core/setting-names.ts';
import { type Env, invalid, readSettings, type SettingSpec, unknownSettings } from '../../core/settings.ts';
import {
  AccessError,
  type ApiAccess,
  readInClusterAccess,
  readKubeconfigAccess,
} from '../externalip/access.ts';
import { externalIpCheck } from '../externalip/check.ts';
import { httpCheck } from '../http/check.ts';
import { tcpCheck } from '../tcp/check.ts';
import { createMaintenance, type MaintenanceOptions } from './maintenance.ts';
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
  const maintenanceApi = nodeReading(values, problems);
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
  const maintenance = createMaintenance({
    file: values.IPF_MAINTENANCE_FILE,
    api: maintenanceApi,
    refreshMs: values.IPF_MAINTENANCE_REFRESH_S * 1000,
    maxAgeMs: values.IPF_MAINTENANCE_MAX_AGE_S * 1000,
    stateDir,
    log,
  });
  const prober = createProber({
    checks,
    env,
    podUid: values.IPF_POD_UID,
    stateDir,
    minGapMs: values.IPF_PROBER_MIN_GAP_MS,
    log,
    maintenance: maintenance.reason,
  });
  try {
    await prober.listen(values.IPF_PROBER_PORT);
  } catch (error) {
    maintenance.close();
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
        `${JSON.stringify({ pid: process.pid, started_at: startedAt, at: Date.now() / 1000, port: values.IPF_PROBER_PORT, checks: [...checks.keys()], ...prober.counters, maintenance: maintenance.reason() ?? null })}\n`,
      );
    } catch (error) {
      log(`prober: cannot write ${record}: ${describeError(error)}`);
    }
  };
  maintenance.start();
  heartbeat();
  const beat = setInterval(heartbeat, PROBER_HEARTBEAT_MS);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(beat);
      maintenance.close();
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

type ProberValues = ReturnType<typeof readSettings<typeof proberSettings>>['values'];

/**
 * What reading the Node needs, checked at start: NODE_NAME, and the API access the externalip-check
 * uses (IPF_KUBECONFIG, else the pod's service account). Undefined when neither IPF_MAINTENANCE_LABEL
 * nor IPF_FOLLOW_CORDON is true: then the prober never asks the API about its Node.
 */
function nodeReading(values: ProberValues, problems: string[]): MaintenanceOptions['api'] {
  const label = values.IPF_MAINTENANCE_LABEL === true;
  const followCordon = values.IPF_FOLLOW_CORDON === true;
  if (!label && !followCordon) return undefined;
  const why = label ? 'IPF_MAINTENANCE_LABEL=true' : 'IPF_FOLLOW_CORDON=true';
  const before = problems.length;
  const refresh = values.IPF_MAINTENANCE_REFRESH_S ?? 10;
  if (values.IPF_MAINTENANCE_MAX_AGE_S !== undefined && values.IPF_MAINTENANCE_MAX_AGE_S < 2 * refresh) {
    problems.push(
      invalid(
        'IPF_MAINTENANCE_MAX_AGE_S',
        `at least twice IPF_MAINTENANCE_REFRESH_S (${2 * refresh}): one late or failed read of the Node must not end a maintenance`,
        JSON.stringify(String(values.IPF_MAINTENANCE_MAX_AGE_S)),
      ),
    );
  }
  const nodeName = values.NODE_NAME;
  if (nodeName === undefined && !problems.some((line) => line.startsWith('NODE_NAME: '))) {
    problems.push(
      invalid(
        'NODE_NAME',
        `the node name from the downward API (fieldRef spec.nodeName), which ${why} needs`,
        'nothing',
      ),
    );
  }
  let access: () => ApiAccess = () => {
    throw new AccessError('no API access');
  };
  try {
    if (values.IPF_KUBECONFIG) {
      const { path, contents } = values.IPF_KUBECONFIG;
      readKubeconfigAccess(path, contents.toString('utf8'));
      access = () => readKubeconfigAccess(path, contents.toString('utf8'));
    } else {
      const host = values.KUBERNETES_SERVICE_HOST;
      const port = values.KUBERNETES_SERVICE_PORT;
      if (host === undefined || port === undefined) {
        problems.push(
          invalid(
            host === undefined ? 'KUBERNETES_SERVICE_HOST' : 'KUBERNETES_SERVICE_PORT',
            `the value Kubernetes sets in every pod, or IPF_KUBECONFIG outside a cluster (${why} reads the Node)`,
            'nothing',
          ),
        );
      } else {
        readInClusterAccess(host, port);
        access = () => readInClusterAccess(host, port);
      }
    }
  } catch (error) {
    if (!(error instanceof AccessError)) throw error;
    problems.push(
      invalid(
        values.IPF_KUBECONFIG ? 'IPF_KUBECONFIG' : 'service account',
        `API access to read the Node (${why})`,
        error.message,
      ),
    );
  }
  if (problems.length > before || nodeName === undefined) return undefined;
  return { nodeName, access, label, followCordon };
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
