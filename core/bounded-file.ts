import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { UserError } from './errors.ts';

/**
 * Every file the toolkit reads may be a FIFO, a symlink to /dev/zero, a directory, huge, or garbage.
 * So it is opened non-blocking (a FIFO with no writer would block open(2) for ever), checked to be a
 * regular file before one byte is read, and read with a size bound. Symlinks are followed: Kubernetes
 * mounts ConfigMaps and Secrets as symlinks to regular files.
 */
export class FileProblem extends UserError {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path} ${problem}`);
  }
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** What a path is, in words, for a message: lstat's view names a symlink, fstat's never does. */
export function fileKind(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symlink';
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a whole regular file of at most `maxBytes`. Throws FileProblem for anything else, and the
 * system error (ENOENT, EACCES, …) when it cannot be opened. Files in /proc report size 0, so the
 * bound is enforced on what is read, not only on what fstat says.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileProblem(path, `is ${fileKind(stats)}, not a regular file`);
    if (stats.size > maxBytes) throw tooLarge(path, maxBytes);
    // One byte past the bound tells a file that is too large from one that is exactly as large.
    const limit = maxBytes + 1;
    let buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(stats.size + 1, 4096)));
    let size = 0;
    for (;;) {
      if (size === buffer.length) {
        if (size === limit) throw tooLarge(path, maxBytes);
        // A file that grew since fstat, or a /proc file: grow towards the bound.
        const grown = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
        buffer.copy(grown, 0, 0, size);
        buffer = grown;
      }
      const count = readSync(fd, buffer, size, buffer.length - size, null);
      if (count === 0) return buffer.subarray(0, size);
      size += count;
    }
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, maxBytes: number): FileProblem {
  return new FileProblem(path, `is larger than ${maxBytes} bytes`);
}

export function readRegularText(path: string, maxBytes: number): string {
  return readRegularFile(path, maxBytes).toString('utf8');
}

/**
 * Opens a regular file for reading, non-blocking, and hands back the descriptor: for readers that
 * keep a file open and follow it, like the exporter's spool. The caller closes it.
 */
export function openRegularFile(path: string): { fd: number; stats: Stats } {
  const fd = openSync(path, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileProblem(path, `is ${fileKind(stats)}, not a regular file`);
    return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

export type AppendOutcome =
  | { readonly written: true }
  /** The target would block (a FIFO with no reader, a full pipe): the line is dropped, never waited on. */
  | { readonly written: false; readonly skipped: true; readonly why: string }
  | { readonly written: false; readonly skipped: false; readonly why: string };

const APPEND_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Appends `data` with one write(2), without ever blocking: a FIFO without a reader (ENXIO) or a pipe
 * that is full (EAGAIN) is skipped. A short write to a pipe cannot happen for a line under PIPE_BUF.
 */
export function appendWithoutBlocking(path: string, data: string | Buffer): AppendOutcome {
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return { written: false, skipped: true, why: 'it is a FIFO with no reader' };
    return { written: false, skipped: false, why: (error as Error).message };
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { written: false, skipped: false, why: 'it is a directory' };
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    return { written: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return { written: false, skipped: true, why: 'it is full (nobody reads it)' };
    return { written: false, skipped: false, why: (error as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** Removes a file if it is there; for temp files left by a failed rename. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or never made.
  }
}
