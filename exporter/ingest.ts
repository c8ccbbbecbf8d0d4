import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/report.ts';
import { parseSpoolLine, type Transition } from '../core/transition.ts';
import { type SpoolPosition, SpoolReader } from './spool.ts';
import { applyTransitions, emptyState, type RecentTransition, type SpoolState } from './state.ts';

export const CHECKPOINT_FILE = 'exporter-checkpoint.json';

/**
 * The read position, everything derived from the lines before it, and the webhook outbox, in one
 * file written atomically: after a crash the exporter resumes exactly where the saved state ends,
 * so no event is lost or counted twice.
 */
export interface Checkpoint {
  readonly version: 1;
  position: SpoolPosition;
  state: SpoolState;
  outbox: RecentTransition[];
  webhook: { sent: number; failures: number; dropped: number };
}

export function freshCheckpoint(): Checkpoint {
  return {
    version: 1,
    position: { current: null, retiring: null },
    state: emptyState(),
    outbox: [],
    webhook: { sent: 0, failures: 0, dropped: 0 },
  };
}

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
  lastError: string | undefined;
  private readonly reader: SpoolReader;
  private readonly path: string;

  constructor(private readonly options: IngestOptions) {
    this.path = join(options.stateDir, CHECKPOINT_FILE);
    this.checkpoint = this.load();
    this.reader = new SpoolReader(options.stateDir, options.maxBytes);
    this.reader.resume(this.checkpoint.position);
  }

  get state(): SpoolState {
    return this.checkpoint.state;
  }

  private load(): Checkpoint {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return freshCheckpoint();
    }
    try {
      const parsed = JSON.parse(text) as Checkpoint;
      if (parsed.version !== 1 || typeof parsed.state?.counters !== 'object')
        throw new Error('unknown checkpoint version');
      return { ...freshCheckpoint(), ...parsed };
    } catch (error) {
      this.options.log(
        `the checkpoint ${this.path} is unreadable (${describeError(error)}); reading the spool from its start`,
      );
      return freshCheckpoint();
    }
  }

  /** Reads what hooks appended since the last call, applies it in event time and saves the checkpoint. */
  ingest(): RecentTransition[] {
    try {
      const read = this.reader.read();
      const { counters } = this.state;
      const events: Transition[] = [];
      for (const line of read.lines) {
        const { transition, torn } = parseSpoolLine(line);
        if (torn) counters.invalidLines += 1;
        if (transition) events.push(transition);
      }
      counters.lines += read.lines.length;
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
      const applied = applyTransitions(this.state, events, this.options.keepRecent);
      if (read.lines.length > 0) this.version += 1;
      if (applied.length > 0) this.options.onTransitions?.(applied);
      if (read.bytes > 0 || read.truncated || read.reset || read.rotated) this.save();
      if (this.reader.lag() === 0) this.caughtUpAt = Date.now();
      this.lastError = undefined;
      return applied;
    } catch (error) {
      this.lastError = `cannot read the spool: ${describeError(error)}`;
      this.options.log(this.lastError);
      return [];
    }
  }

  lag(): number {
    return this.reader.lag();
  }

  save(): void {
    this.checkpoint.position = this.reader.position();
    writeFileAtomic(this.path, JSON.stringify(this.checkpoint));
  }

  close(): void {
    this.reader.close();
  }
}
