import { accessSync, closeSync, constants, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AppendOutcome, appendWithoutBlocking, readRegularText, removeQuietly } from './bounded-file.ts';
import { freshStreaks, isStreak, type Streak } from './hysteresis.ts';

export interface StatusRecord extends Streak {
  readonly check: string;
  /** The probe's own result; `passing` is what keepalived was told after hysteresis. */
  readonly ok: boolean;
  readonly reason: string;
  readonly duration_ms: number;
  /** Epoch seconds, like the `ts` of transition records. */
  readonly at: number;
  /** Reason lines IPF_LOG_TO could not take without blocking, over every run since the record began. */
  readonly log_skipped_total: number;
}

/** A record is a few hundred bytes; a reason line is cut at REASON_MAX_CHARACTERS. */
export const STATUS_RECORD_MAX_BYTES = 64 * 1024;

export const statusFileName = (check: string): string => `check-${check}.json`;

export function statusPath(stateDir: string, check: string): string {
  return join(stateDir, statusFileName(check));
}

/**
 * The record's problem, or undefined when it has every field core/report.ts's StatusRecord promises
 * with the right type. Fields it does not know are accepted: the record may gain some (a count, say)
 * before the exporter is upgraded.
 */
export function statusRecordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `expected a JSON object, got ${describeValue(value)}`;
  const record = value as Record<string, unknown>;
  const expect = (field: string, what: string, ok: (field: unknown) => boolean) =>
    ok(record[field]) ? undefined : `${field}: expected ${what}, got ${describeValue(record[field])}`;
  const finite = (field: unknown) => typeof field === 'number' && Number.isFinite(field);
  const count = (field: unknown) => Number.isSafeInteger(field) && (field as number) >= 0;
  return (
    expect('check', 'a non-empty string', (field) => typeof field === 'string' && field !== '') ??
    expect('ok', 'true or false', (field) => typeof field === 'boolean') ??
    expect('passing', 'true or false', (field) => typeof field === 'boolean') ??
    expect('reason', 'a string', (field) => typeof field === 'string') ??
    expect('duration_ms', 'a finite number', finite) ??
    expect('at', 'a finite number of epoch seconds', finite) ??
    expect('consecutive_failures', 'a non-negative integer', count) ??
    expect('consecutive_passes', 'a non-negative integer', count)
  );
}

/** A value for a one-line message: as JSON, and short. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function isStatusRecord(value: unknown): value is StatusRecord {
  return statusRecordProblem(value) === undefined;
}

/** What the next run carries over from the last record. */
export interface Previous {
  readonly streak: Streak;
  readonly logSkipped: number;
  /** The last probe's own result, to log only changes (the resident prober); undefined: none. */
  readonly ok: boolean | undefined;
  readonly reason: string;
}

const noPrevious: Previous = { streak: freshStreaks.oneshot, logSkipped: 0, ok: undefined, reason: '' };

/**
 * A missing, unreadable, oversized, non-regular (a FIFO, /dev/zero) or corrupt record is a fresh
 * start, never a hang or a crash.
 */
export function readPrevious(path: string): Previous {
  try {
    const parsed: unknown = JSON.parse(readRegularText(path, STATUS_RECORD_MAX_BYTES));
    if (!isStreak(parsed)) return noPrevious;
    const { log_skipped_total: skipped, ok, reason } = parsed as unknown as Partial<Record<string, unknown>>;
    const { passing, consecutive_failures, consecutive_passes } = parsed;
    return {
      streak: { passing, consecutive_failures, consecutive_passes },
      logSkipped: Number.isSafeInteger(skipped) && (skipped as number) >= 0 ? (skipped as number) : 0,
      ok: typeof ok === 'boolean' ? ok : undefined,
      reason: typeof reason === 'string' ? reason : '',
    };
  } catch {
    return noPrevious;
  }
}

/**
 * Temp file and rename, so a reader never sees half a record. A rename that fails (the target is a
 * directory, say) removes the temp file: a failing run every 2 s must not leave one behind each time.
 */
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;

export function writeFileAtomic(path: string, contents: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  mkdirSync(join(path, '..'), { recursive: true });
  try {
    // Non-blocking: a FIFO planted at the temp name fails the open instead of hanging it.
    const fd = openSync(temporary, TEMP_FLAGS, 0o644);
    try {
      writeFileSync(fd, contents);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

export const defaultLogTarget = '/proc/1/fd/2';

/** Resolves IPF_LOG_TO: a path, `none`, or (unset) PID 1's stderr when this process may write it. */
export function logTarget(setting: string | undefined): string | undefined {
  if (setting === 'none') return undefined;
  if (setting !== undefined) return setting;
  try {
    accessSync(defaultLogTarget, constants.W_OK);
    return defaultLogTarget;
  } catch {
    return undefined;
  }
}

/**
 * Appends one line, never waiting: a FIFO with no reader or a full pipe is skipped (and counted by
 * the caller). A log that cannot be written must not change the check's verdict.
 */
export function appendLine(target: string | undefined, line: string): AppendOutcome | undefined {
  if (target === undefined) return undefined;
  return appendWithoutBlocking(target, `${line}\n`);
}
