import { closeSync, fstatSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROTATED_SPOOL_FILE, SPOOL_FILE } from '../core/transition.ts';

/** Where reading stopped in one file, which is known by its inode across renames. */
export interface FilePosition {
  readonly ino: number;
  readonly offset: number;
}

export interface SpoolPosition {
  readonly current: FilePosition | null;
  /** The previous file after a rotation or replacement, read on for a grace period. */
  readonly retiring: FilePosition | null;
}

export interface ReadResult {
  readonly lines: string[];
  readonly bytes: number;
  readonly truncated: boolean;
  readonly rotated: boolean;
  readonly reset: boolean;
}

interface OpenFile {
  fd: number;
  ino: number;
  offset: number;
}

/** Late appends by hooks that opened the old file just before a rename land within this time. */
const RETIRE_GRACE_MS = 2000;
/** At most this much is read per call, so one huge spool cannot stall the server. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Follows $IPF_STATE_DIR/transitions.jsonl: complete lines only, from a durable position, across
 * truncation, deletion and rotation. Hooks append by path, so after a rename they create a new
 * file, and the old one is drained before it is let go.
 */
export class SpoolReader {
  private current: OpenFile | undefined;
  private retiring: (OpenFile & { until: number }) | undefined;
  private readonly path: string;
  private readonly rotatedPath: string;

  constructor(
    directory: string,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.path = join(directory, SPOOL_FILE);
    this.rotatedPath = join(directory, ROTATED_SPOOL_FILE);
  }

  /** Reopens the files of a checkpoint by inode: the spool, or the rotated spool if it was renamed since. */
  resume(position: SpoolPosition | null): void {
    const candidates = [this.path, this.rotatedPath]
      .map((path) => ({ path, ino: inodeOf(path) }))
      .filter((candidate) => candidate.ino !== undefined);
    const reopen = (saved: FilePosition | null): OpenFile | undefined => {
      const match = saved && candidates.find((candidate) => candidate.ino === saved.ino);
      return match && saved ? openAt(match.path, saved.offset) : undefined;
    };
    this.current = reopen(position?.current ?? null);
    const retiring = reopen(position?.retiring ?? null);
    if (retiring) this.retiring = { ...retiring, until: this.now() + RETIRE_GRACE_MS };
    if (this.current && this.current.ino !== inodeOf(this.path) && !this.retiring) {
      // The checkpointed file was rotated while we were down: finish it, then take the new one.
      this.retiring = { ...this.current, until: this.now() + RETIRE_GRACE_MS };
      this.current = undefined;
    }
  }

  position(): SpoolPosition {
    const of = (file: OpenFile | undefined) => (file ? { ino: file.ino, offset: file.offset } : null);
    return { current: of(this.current), retiring: of(this.retiring) };
  }

  /** Bytes in the spool not yet read as complete lines. */
  lag(): number {
    const pending = (file: OpenFile | undefined) => (file ? Math.max(0, sizeOf(file.fd) - file.offset) : 0);
    const unopened = this.current ? 0 : (sizeAt(this.path) ?? 0);
    return pending(this.current) + pending(this.retiring) + unopened;
  }

  read(): ReadResult {
    const lines: string[] = [];
    let bytes = 0;
    let truncated = false;
    let rotated = false;
    let reset = false;
    const drain = (file: OpenFile) => {
      const size = sizeOf(file.fd);
      if (size < file.offset) {
        truncated = true;
        file.offset = 0;
      }
      bytes += readLines(file, lines);
    };
    if (this.retiring) {
      drain(this.retiring);
      if (this.now() >= this.retiring.until) {
        closeSync(this.retiring.fd);
        this.retiring = undefined;
      }
    }
    if (this.current) drain(this.current);
    const inode = inodeOf(this.path);
    if (this.current && inode !== this.current.ino) {
      // Deleted or replaced by someone else (our own rotation is handled below): drain, then move on.
      if (!this.retiring) this.retiring = { ...this.current, until: this.now() + RETIRE_GRACE_MS };
      else closeSync(this.current.fd);
      this.current = undefined;
      reset = true;
    }
    if (!this.current && inode !== undefined) {
      this.current = openAt(this.path, 0);
      if (this.current) drain(this.current);
    }
    if (
      this.current &&
      !this.retiring &&
      this.current.offset === sizeOf(this.current.fd) &&
      this.current.offset > this.maxBytes
    ) {
      renameSync(this.path, this.rotatedPath);
      this.retiring = { ...this.current, until: this.now() + RETIRE_GRACE_MS };
      this.current = undefined;
      rotated = true;
    }
    return { lines, bytes, truncated, rotated, reset };
  }

  close(): void {
    for (const file of [this.current, this.retiring]) if (file) closeSync(file.fd);
    this.current = undefined;
    this.retiring = undefined;
  }
}

function readLines(file: OpenFile, lines: string[]): number {
  let consumed = 0;
  let carry = Buffer.alloc(0);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  while (consumed < MAX_READ_BYTES) {
    const count = readSync(file.fd, buffer, 0, CHUNK_BYTES, file.offset + consumed + carry.length);
    if (count === 0) break;
    const data =
      carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, count)]) : buffer.subarray(0, count);
    const end = data.lastIndexOf(10);
    if (end < 0) {
      carry = Buffer.from(data);
      continue;
    }
    for (const line of data.subarray(0, end).toString('utf8').split('\n')) if (line !== '') lines.push(line);
    consumed += end + 1;
    carry = Buffer.from(data.subarray(end + 1));
  }
  file.offset += consumed;
  return consumed;
}

function openAt(path: string, offset: number): OpenFile | undefined {
  try {
    const fd = openSync(path, 'r');
    return { fd, ino: fstatSync(fd).ino, offset };
  } catch {
    return undefined;
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function sizeAt(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}
