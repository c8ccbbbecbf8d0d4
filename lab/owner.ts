import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { readRegularText, removeQuietly } from '../core/bounded-file.ts';
import { UserError } from '../core/errors.ts';
import { PREFIX } from './topology.ts';

/**
 * Who runs the lab now. The lab's namespaces have fixed names, so only one lab runs on a machine;
 * this file tells a running lab from one left behind by a run that was killed (a closed terminal,
 * a CI job stopped halfway). It lives in /run, which a reboot empties along with the namespaces.
 */
export const OWNER_FILE = `/run/${PREFIX}.owner`;

export interface LabOwner {
  readonly pid: number;
  /** The process's start time in clock ticks since boot (/proc/PID/stat field 22): a reused PID differs. */
  readonly started: string;
}

/** The start time of a running process, or undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

export function isRunning(owner: LabOwner): boolean {
  return processStart(owner.pid) === owner.started;
}

/** The recorded owner; undefined when the file is missing, unreadable or not one this module wrote. */
export function readOwner(file: string = OWNER_FILE): LabOwner | undefined {
  let text: string;
  try {
    text = readRegularText(file, 256);
  } catch {
    return undefined;
  }
  const match = /^(\d{1,10}) (\d{1,20})\n$/.exec(text);
  return match ? { pid: Number(match[1]), started: match[2] ?? '' } : undefined;
}

export type Claim =
  | { readonly claimed: true; readonly previous: LabOwner | undefined }
  | { readonly claimed: false; readonly owner: LabOwner };

/**
 * Makes this process the lab's owner, unless a running process already is. An owner that is gone
 * is replaced, and returned as `previous` so the caller can say whose lab it removes.
 */
export function claimLab(file: string = OWNER_FILE): Claim {
  const self = processStart(process.pid);
  if (self === undefined) throw new UserError(`cannot read /proc/${process.pid}/stat: is /proc mounted?`);
  let previous: LabOwner | undefined;
  // A retry follows each removal of a dead owner's file; another lab may win the race in between.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner && isRunning(owner)) return { claimed: false, owner };
      previous = owner;
      removeQuietly(file);
      continue;
    }
    try {
      writeSync(fd, `${process.pid} ${self}\n`);
    } finally {
      closeSync(fd);
    }
    return { claimed: true, previous };
  }
  throw new UserError(
    `${file}: expected to create it once its dead owner's file was removed, got it back 3 times`,
  );
}

/** Gives the lab up, if this process still owns it. */
export function releaseLab(file: string = OWNER_FILE): void {
  if (readOwner(file)?.pid === process.pid) removeQuietly(file);
}

/** Removes the file of an owner that is no longer running, for --cleanup. */
export function releaseDeadOwner(file: string = OWNER_FILE): void {
  const owner = readOwner(file);
  if (owner && !isRunning(owner)) removeQuietly(file);
}
