import {
  accessSync,
  appendFileSync,
  constants,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { freshStreak, isStreak, type Streak } from './hysteresis.ts';

export interface StatusRecord extends Streak {
  readonly check: string;
  /** The probe's own result; `passing` is what keepalived was told after hysteresis. */
  readonly ok: boolean;
  readonly reason: string;
  readonly duration_ms: number;
  /** Epoch seconds, like the `ts` of transition records. */
  readonly at: number;
}

export function statusPath(stateDir: string, check: string): string {
  return join(stateDir, `check-${check}.json`);
}

/** A missing, unreadable or corrupt record is a fresh start, never a crash. */
export function readStreak(path: string): Streak {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return isStreak(parsed) ? parsed : freshStreak;
  } catch {
    return freshStreak;
  }
}

/** Temp file and rename, so the exporter never reads half a record. */
export function writeFileAtomic(path: string, contents: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
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

/** Appends one line; a log that cannot be written must not change the check's verdict. */
export function appendLine(target: string | undefined, line: string): string | undefined {
  if (target === undefined) return undefined;
  try {
    appendFileSync(target, `${line}\n`);
    return undefined;
  } catch (error) {
    return `cannot append to IPF_LOG_TO ${target}: ${(error as Error).message}`;
  }
}
