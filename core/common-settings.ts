import { THRESHOLD_MAX } from './hysteresis.ts';
import { imageSetting } from './ipfailover/image-env.ts';
import type { SettingsOf } from './setting-names.ts';
import {
  integer,
  milliseconds,
  optional,
  scriptIntervalSeconds,
  specFor,
  text,
  withDefault,
} from './settings.ts';

export const defaultStateDir = '/var/run/ipfailover';

/** Read by the checks, the notify hook and the exporter alike. */
export const sharedSettings = specFor<SettingsOf<'everywhere'>>()({
  IPF_STATE_DIR: withDefault(
    defaultStateDir,
    text,
    'Directory for status records, hysteresis state and the transition spool.',
  ),
  IPF_LOG_TO: optional(
    text,
    'Where failure lines are appended besides stderr: a file, or `none`. Default `/proc/1/fd/2` when writable, because keepalived discards script output and PID 1 reaches `oc logs`.',
  ),
});

export const probeSettings = specFor<SettingsOf<'everywhere' | 'check' | 'hysteresis'>>()({
  ...sharedSettings,
  OPENSHIFT_HA_CHECK_INTERVAL: imageSetting(
    'OPENSHIFT_HA_CHECK_INTERVAL',
    scriptIntervalSeconds,
    'Set by the ipfailover Deployment; keepalived kills a run that lasts this long and counts it as a failure. Whole seconds from 1 to 4294, as keepalived 2.2 reads it (0 means 1).',
  ),
  IPF_CHECK_TIMEOUT_MS: optional(
    milliseconds(1, 3_600_000),
    'Deadline for one run. The deadline used is the smaller of this and the interval minus 300 ms.',
  ),
  IPF_CHECK_FALL: withDefault(
    '1',
    integer(1, THRESHOLD_MAX),
    'Consecutive failed probes before the check exits 1 (the image sets keepalived `fall 1`).',
  ),
  IPF_CHECK_RISE: withDefault(
    '1',
    integer(1, THRESHOLD_MAX),
    'Consecutive passed probes before a failing check exits 0 again.',
  ),
});

/** keepalived kills a run at the interval; 300 ms leaves time to write the status record and exit. */
export const DEADLINE_MARGIN_MS = 300;

export function deadlineMs(intervalSeconds: number, timeoutMs: number | undefined): number {
  return Math.min(
    timeoutMs ?? Number.POSITIVE_INFINITY,
    Math.round(intervalSeconds * 1000) - DEADLINE_MARGIN_MS,
  );
}
