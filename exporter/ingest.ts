import { join } from 'node:path';
import { readRegularText } from '../core/bounded-file.ts';
import { describeError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/report.ts';
import { parseSpoolLine, type Transition } from '../core/transition.ts';
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  freshCheckpoint,
  MAX_CHECKPOINT_BYTES,
  parseCheckpoint,
} from './checkpoint.ts';
import { SpoolReader } from './spool.ts';
import { applyTransitions, type RecentTransition, type SpoolState } from './state.ts';

export interface IngestOptions {
  readonly stateDir: string;
  readonly maxBytes: number;
  readonly keepRecent: number;
  readonly log: (line: string) => void;
  readonly onTransitions?: (transitions: RecentTransition[]) => void;
}

export class Ingestor {
  readonly checkpoint: Checkpoint;
  /** Epoch ms of the last read that reached the end of the spool. */
  caughtUpAt = 0;
  /** Changes whenever the spool state does, so scrapes rebuild spool-derived series only then. */
  version = 0;
  /** Why the spool is not being followed or its state not saved, for /readyz; undefined when all is well. */
  lastError: string | undefined;
  /** The last read stopped at its size bound: call ingest again soon rather than at the next poll. */
  more = false;
  private readonly reader: SpoolReader;
  private readonly path: string;
  /** The state moved on since the last successful save: a failed save is retried on the next ingest. */
  private unsaved = false;

  constructor(private readonly options: IngestOptions) {
    this.path = join(options.stateDir, CHECKPOINT_FILE);
    this.reader = new SpoolReader(options.stateDir, options.maxBytes);
    let checkpoint = this.load();
    const inconsistency = this.reader.resume(checkpoint.position);
    if (inconsistency) {
      // Resuming would skip lines or count them twice; starting over makes the counts those of the spool.
      options.log(
        `ignoring the checkpoint ${this.path}: it does not match the spool (${inconsistency}); reading the spool from its start`,
      );
      checkpoint = freshCheckpoint();
      this.reader.resume(null);
    }
    this.checkpoint = checkpoint;
  }

  get state(): SpoolState {
    return this.checkpoint.state;
  }

  /** The saved checkpoint, or a fresh one (with one log line) when it is missing, unreadable or malformed. */
  private load(): Checkpoint {
    let text: string;
    try {
      text = readRegularText(this.path, MAX_CHECKPOINT_BYTES);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.options.log(
          `ignoring the checkpoint (${describeError(error)}); reading the spool from its start`,
        );
      return freshCheckpoint();
    }
    try {
      const checkpoint = parseCheckpoint(JSON.parse(text));
      const { recent } = checkpoint.state;
      // IPF_EXPORTER_RECENT may have been lowered since the checkpoint was written.
      if (recent.length > this.options.keepRecent) recent.splice(0, recent.length - this.options.keepRecent);
      return checkpoint;
    } catch (error) {
      this.options.log(
        `ignoring the checkpoint ${this.path}: it is not one this exporter writes (${describeError(error)}); reading the spool from its start`,
      );
      return freshCheckpoint();
    }
  }

  /** Reads what hooks appended since the last call, applies it in event time and saves the checkpoint. */
  ingest(): RecentTransition[] {
    let applied: RecentTransition[] = [];
    let problem: string | undefined;
    try {
      const read = this.reader.read();
      const { counters } = this.state;
      const events: Transition[] = [];
      for (const line of read.lines) {
        const { transition, torn } = parseSpoolLine(line);
        if (torn) counters.invalidLines += 1;
        if (transition) events.push(transition);
      }
      counters.lines += read.lines.length + read.oversized;
      counters.oversizedLines += read.oversized;
      counters.bytes += read.bytes;
      if (read.truncated) {
        counters.truncations += 1;
        this.options.log('the spool was truncated underneath the exporter; reading it again from its start');
      }
      if (read.reset) {
        counters.resets += 1;
        this.options.log('the spool was deleted or replaced; following the new file from its start');
      }
      if (read.rotated) counters.rotations += 1;
      applied = applyTransitions(this.state, events, this.options.keepRecent);
      if (read.lines.length > 0 || read.oversized > 0) this.version += 1;
      if (applied.length > 0) this.options.onTransitions?.(applied);
      if (read.bytes > 0 || read.truncated || read.reset || read.rotated) this.unsaved = true;
      this.more = read.more;
      if (read.problem) problem = `cannot follow the spool: ${read.problem}`;
    } catch (error) {
      this.more = false;
      problem = `cannot read the spool: ${describeError(error)}`;
    }
    if (this.unsaved) {
      try {
        this.save();
      } catch (error) {
        problem ??= `cannot save the checkpoint ${this.path}: ${describeError(error)}`;
      }
    }
    try {
      if (this.reader.lag() === 0) this.caughtUpAt = Date.now();
    } catch (error) {
      problem ??= `cannot read the spool: ${describeError(error)}`;
    }
    // Logged when it changes, not at every poll: a FIFO left in the spool's place is one line, not one a second.
    if (problem && problem !== this.lastError) this.options.log(problem);
    this.lastError = problem;
    return applied;
  }

  lag(): number {
    return this.reader.lag();
  }

  save(): void {
    this.checkpoint.position = this.reader.position();
    writeFileAtomic(this.path, JSON.stringify(this.checkpoint));
    this.unsaved = false;
  }

  close(): void {
    this.reader.close();
  }
}
