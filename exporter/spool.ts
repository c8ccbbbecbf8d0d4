import { closeSync, fstatSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openRegularFile } from '../core/bounded-file.ts';
import { describeError } from '../core/errors.ts';
import { ROTATED_SPOOL_FILE, SPOOL_FILE } from '../core/transition.ts';

/** Where reading stopped in one file, which is known by its inode across renames. */
export interface FilePosition {
  readonly ino: number;
  readonly offset: number;
  /**
   * `offset` is inside a line longer than MAX_LINE_BYTES, already counted: everything up to its
   * newline is skipped. Saved with the offset, so a restart does not parse the rest as a line.
   */
  readonly skipping?: boolean;
}

export interface SpoolPosition {
  readonly current: FilePosition | null;
  /** The previous file after a rotation or replacement, read on for a grace period. */
  readonly retiring: FilePosition | null;
}

export interface ReadResult {
  readonly lines: string[];
  /** Lines longer than MAX_LINE_BYTES, skipped without being parsed. */
  readonly oversized: number;
  readonly bytes: number;
  readonly truncated: boolean;
  readonly rotated: boolean;
  readonly reset: boolean;
  /** Why the spool could not be followed (not a regular file, cannot be rotated), for /readyz. */
  readonly problem: string | undefined;
  /** The read stopped at MAX_READ_BYTES with more to read. */
  readonly more: boolean;
}

interface OpenFile {
  fd: number;
  ino: number;
  offset: number;
  skipping: boolean;
}

/** Late appends by hooks that opened the old file just before a rename land within this time. */
const RETIRE_GRACE_MS = 2000;
/** At most this much is read per call, so one huge spool cannot stall the server. */
const MAX_READ_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
/**
 * A hook's line is under 1 KiB (notify.sh bounds the name to 128 and the node to 253 characters);
 * a longer line is not a hook's, and holding it whole would let one write stall and bloat the
 * exporter. Smaller than CHUNK_BYTES, so a line that is kept spans at most two chunks.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Follows $IPF_STATE_DIR/transitions.jsonl: complete lines only, from a durable position, across
 * truncation, deletion and rotation. Hooks append by path, so after a rename they create a new
 * file, and the old one is drained before it is let go. Only regular files are read, opened
 * non-blocking: a FIFO or a device in the spool's place is reported, never waited on.
 */
export class SpoolReader {
  private current: OpenFile | undefined;
  private retiring: (OpenFile & { until: number }) | undefined;
  private readonly path: string;
  private readonly rotatedPath: string;
  private problem: string | undefined;

  constructor(
    directory: string,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.path = join(directory, SPOOL_FILE);
    this.rotatedPath = join(directory, ROTATED_SPOOL_FILE);
  }

  /**
   * Reopens the files of a checkpoint by inode: the spool, or the rotated spool if it was renamed
   * since. Returns why the position cannot be right (an offset past the end of its file: the
   * checkpoint does not belong to these files), in which case nothing is reopened; the caller
   * decides what to do and may call resume again.
   */
  resume(position: SpoolPosition | null): string | undefined {
    this.close();
    const candidates = [this.path, this.rotatedPath]
      .map((path) => ({ path, ino: inodeOf(path) }))
      .filter((candidate) => candidate.ino !== undefined);
    let inconsistency: string | undefined;
    const reopen = (saved: FilePosition | null): OpenFile | undefined => {
      const match = saved && candidates.find((candidate) => candidate.ino === saved.ino);
      if (!match || !saved) return undefined;
      const file = this.open(match.path, saved.offset, saved.skipping ?? false);
      if (file && sizeOf(file.fd) < saved.offset) {
        inconsistency ??= `offset ${saved.offset} is past the end of ${match.path} (${sizeOf(file.fd)} bytes)`;
        closeSync(file.fd);
        return undefined;
      }
      return file;
    };
    const current = reopen(position?.current ?? null);
    const retiring = reopen(position?.retiring ?? null);
    if (inconsistency) {
      for (const file of [current, retiring]) if (file) closeSync(file.fd);
      return inconsistency;
    }
    this.current = current;
    if (retiring) this.retiring = { ...retiring, until: this.now() + RETIRE_GRACE_MS };
    if (this.current && this.current.ino !== inodeOf(this.path) && !this.retiring) {
      // The checkpointed file was rotated while we were down: finish it, then take the new one.
      this.retiring = { ...this.current, until: this.now() + RETIRE_GRACE_MS };
      this.current = undefined;
    }
    return undefined;
  }

  position(): SpoolPosition {
    const of = (file: OpenFile | undefined): FilePosition | null =>
      file ? { ino: file.ino, offset: file.offset, ...(file.skipping ? { skipping: true } : {}) } : null;
    return { current: of(this.current), retiring: of(this.retiring) };
  }

  /** Bytes in the spool not yet read as complete lines. */
  lag(): number {
    const pending = (file: OpenFile | undefined) => (file ? Math.max(0, sizeOf(file.fd) - file.offset) : 0);
    const unopened = this.current ? 0 : (regularSizeAt(this.path) ?? 0);
    return pending(this.current) + pending(this.retiring) + unopened;
  }

  read(): ReadResult {
    this.problem = undefined;
    const lines: string[] = [];
    let oversized = 0;
    let bytes = 0;
    let truncated = false;
    let rotated = false;
    let reset = false;
    let more = false;
    const drain = (file: OpenFile) => {
      const size = sizeOf(file.fd);
      if (size < file.offset) {
        truncated = true;
        file.offset = 0;
        file.skipping = false;
      }
      const read = readLines(file, lines);
      bytes += read.bytes;
      oversized += read.oversized;
      more ||= read.more;
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
      this.current = this.open(this.path, 0, false);
      if (this.current) drain(this.current);
    }
    if (
      this.current &&
      !this.retiring &&
      // Only at the end of a line: a hook still writing a long one would finish it in the new file.
      !this.current.skipping &&
      this.current.offset === sizeOf(this.current.fd) &&
      this.current.offset > this.maxBytes
    ) {
      try {
        renameSync(this.path, this.rotatedPath);
        this.retiring = { ...this.current, until: this.now() + RETIRE_GRACE_MS };
        this.current = undefined;
        rotated = true;
      } catch (error) {
        // The lines above are read and must still be counted; the spool just keeps growing.
        this.problem = `cannot rotate ${this.path} to ${this.rotatedPath}: ${describeError(error)}`;
      }
    }
    return { lines, oversized, bytes, truncated, rotated, reset, problem: this.problem, more };
  }

  close(): void {
    for (const file of [this.current, this.retiring]) if (file) closeSync(file.fd);
    this.current = undefined;
    this.retiring = undefined;
  }

  /** A regular file opened non-blocking, or undefined: gone (a race with a rename), or not usable (noted). */
  private open(path: string, offset: number, skipping: boolean): OpenFile | undefined {
    try {
      const { fd, stats } = openRegularFile(path);
      return { fd, ino: stats.ino, offset, skipping };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = describeError(error);
      return undefined;
    }
  }
}

/**
 * Reads complete lines from `file.offset` on, in time linear in the bytes read: a line is kept only
 * while it is at most MAX_LINE_BYTES, so the partial line carried from one chunk to the next is
 * small. A longer line is counted once and skipped; if its end is not read yet, `file.skipping`
 * says so, and the offset moves past what was skipped.
 */
function readLines(file: OpenFile, lines: string[]): { bytes: number; oversized: number; more: boolean } {
  const start = file.offset;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Next byte to read. */
  let position = start;
  /** Every byte before it is accounted for: in a line, or skipped. */
  let committed = start;
  /** The start of a line whose newline is not read yet; never longer than MAX_LINE_BYTES. */
  let carry: Buffer | undefined;
  let oversized = 0;
  let more = false;
  for (;;) {
    if (position - start >= MAX_READ_BYTES) {
      more = true;
      break;
    }
    const count = readSync(file.fd, buffer, 0, CHUNK_BYTES, position);
    if (count === 0) break;
    const chunkStart = position;
    position += count;
    const chunk = buffer.subarray(0, count);
    let lineStart = 0;
    if (file.skipping) {
      const newline = chunk.indexOf(10);
      if (newline < 0) {
        committed = position;
        continue;
      }
      file.skipping = false;
      lineStart = newline + 1;
      committed = chunkStart + lineStart;
    }
    for (let newline = chunk.indexOf(10, lineStart); newline >= 0; newline = chunk.indexOf(10, lineStart)) {
      const length = (carry?.length ?? 0) + newline - lineStart;
      if (length > MAX_LINE_BYTES) oversized += 1;
      else if (length > 0) {
        lines.push(
          carry
            ? Buffer.concat([carry, chunk.subarray(lineStart, newline)]).toString('utf8')
            : chunk.toString('utf8', lineStart, newline),
        );
      }
      carry = undefined;
      lineStart = newline + 1;
      committed = chunkStart + lineStart;
    }
    const rest = count - lineStart;
    if (rest === 0) continue;
    if ((carry?.length ?? 0) + rest > MAX_LINE_BYTES) {
      oversized += 1;
      file.skipping = true;
      carry = undefined;
      committed = position;
    } else {
      // Copied: the next read reuses `buffer`.
      carry = Buffer.concat([carry ?? Buffer.alloc(0), chunk.subarray(lineStart)]);
    }
  }
  file.offset = committed;
  return { bytes: committed - start, oversized, more };
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** stat(2) never opens the file, so it cannot block on a FIFO; a non-regular file has no lag to report. */
function regularSizeAt(path: string): number | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}
