import { UserError } from '../core/errors.ts';
import type { FilePosition, SpoolPosition } from './spool.ts';
import {
  dictionary,
  type ExportedState,
  emptyState,
  exportedStates,
  type InstanceState,
  type RecentTransition,
  type SpoolState,
} from './state.ts';

export const CHECKPOINT_FILE = 'exporter-checkpoint.json';

/**
 * The bound on reading the checkpoint. Its largest legitimate part is the webhook outbox: up to
 * 100,000 transitions (IPF_WEBHOOK_QUEUE_MAX's maximum) of about 140 bytes of JSON each, plus up to
 * 10,000 recent ones (IPF_EXPORTER_RECENT's maximum): about 15 MiB. 64 MiB leaves four times that for
 * long instance and node names, and still refuses a checkpoint that would not fit the container's
 * 192 MiB once parsed (a symlink to /dev/zero, a file something else filled).
 */
export const MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

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

/** A checkpoint that is not in the shape this exporter writes: where, what was expected, what was found. */
class CheckpointShapeError extends UserError {
  constructor(where: string, expected: string, value: unknown) {
    super(`${where}: expected ${expected}, got ${describeValue(value)}`);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Validates a parsed checkpoint in full and returns a copy built only from what was checked: the
 * metrics, the webhook and the reader then never meet a missing field or a value of the wrong type.
 * Throws CheckpointShapeError at the first deviation. Counters added after version 1 was first
 * written (`oversizedLines`) may be missing and start at 0.
 */
export function parseCheckpoint(value: unknown): Checkpoint {
  const top = object(value, 'the checkpoint');
  if (top.version !== 1) throw new CheckpointShapeError('version', '1', top.version);
  const position = object(top.position, 'position');
  const state = object(top.state, 'state');
  const counters = object(state.counters, 'state.counters');
  const webhook = object(top.webhook, 'webhook');
  return {
    version: 1,
    position: {
      current: filePosition(position.current, 'position.current'),
      retiring: filePosition(position.retiring, 'position.retiring'),
    },
    state: {
      instances: dictionary(
        Object.entries(object(state.instances, 'state.instances')).map(([name, instance]) => [
          name,
          instanceState(instance, `state.instances[${JSON.stringify(name)}]`),
        ]),
      ),
      transitions: dictionary(
        Object.entries(object(state.transitions, 'state.transitions')).map(([key, times]) => {
          const where = `state.transitions[${JSON.stringify(key)}]`;
          const [name, from, to, ...rest] = key.split('\t');
          if (!name || !isExportedState(from) || !isExportedState(to) || rest.length > 0)
            throw new CheckpointShapeError(where, 'a key "instance\\tfrom\\tto"', key);
          return [key, nonNegativeInteger(times, where)] as const;
        }),
      ),
      recent: transitions(state.recent, 'state.recent'),
      counters: {
        lines: total(counters.lines, 'state.counters.lines'),
        invalidLines: total(counters.invalidLines, 'state.counters.invalidLines'),
        outOfOrder: total(counters.outOfOrder, 'state.counters.outOfOrder'),
        groupEvents: total(counters.groupEvents, 'state.counters.groupEvents'),
        truncations: total(counters.truncations, 'state.counters.truncations'),
        rotations: total(counters.rotations, 'state.counters.rotations'),
        resets: total(counters.resets, 'state.counters.resets'),
        bytes: total(counters.bytes, 'state.counters.bytes'),
        oversizedLines: total(counters.oversizedLines ?? 0, 'state.counters.oversizedLines'),
      },
    },
    outbox: transitions(top.outbox, 'outbox'),
    webhook: {
      sent: total(webhook.sent, 'webhook.sent'),
      failures: total(webhook.failures, 'webhook.failures'),
      dropped: total(webhook.dropped, 'webhook.dropped'),
    },
  };
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CheckpointShapeError(where, 'an object', value);
  return value as Record<string, unknown>;
}

/** Counters are sums (bytes may pass 2^53 one day): any non-negative finite number. */
function total(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new CheckpointShapeError(where, 'a non-negative number', value);
  return value;
}

function nonNegativeInteger(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new CheckpointShapeError(where, 'a non-negative integer', value);
  return value as number;
}

function filePosition(value: unknown, where: string): FilePosition | null {
  if (value === null) return null;
  const position = object(value, where);
  // Inode numbers come from fstat as doubles; on file systems with 64-bit inodes they may exceed 2^53.
  const { ino } = position;
  if (typeof ino !== 'number' || !Number.isInteger(ino) || ino < 0)
    throw new CheckpointShapeError(`${where}.ino`, 'a non-negative integer', ino);
  const offset = nonNegativeInteger(position.offset, `${where}.offset`);
  if (position.skipping !== undefined && typeof position.skipping !== 'boolean')
    throw new CheckpointShapeError(`${where}.skipping`, 'true or false', position.skipping);
  return position.skipping ? { ino, offset, skipping: true } : { ino, offset };
}

function isExportedState(value: unknown): value is ExportedState {
  return exportedStates.includes(value as ExportedState);
}

function exportedStateAt(value: unknown, where: string): ExportedState {
  if (!isExportedState(value))
    throw new CheckpointShapeError(where, `one of ${exportedStates.join(', ')}`, value);
  return value;
}

function timestamp(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new CheckpointShapeError(where, 'a number of epoch seconds', value);
  return value;
}

/** What parseTransition accepts: null, or an integer from 0 to 255. */
function priority(value: unknown, where: string): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 255)
    throw new CheckpointShapeError(where, 'null or an integer from 0 to 255', value);
  return value as number;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new CheckpointShapeError(where, 'a string', value);
  return value;
}

function instanceState(value: unknown, where: string): InstanceState {
  const instance = object(value, where);
  return {
    state: exportedStateAt(instance.state, `${where}.state`),
    ts: timestamp(instance.ts, `${where}.ts`),
    priority: priority(instance.priority, `${where}.priority`),
  };
}

function transitions(value: unknown, where: string): RecentTransition[] {
  if (!Array.isArray(value)) throw new CheckpointShapeError(where, 'an array', value);
  return value.map((item, index) => {
    const at = `${where}[${index}]`;
    const transition = object(item, at);
    return {
      ts: timestamp(transition.ts, `${at}.ts`),
      node: text(transition.node, `${at}.node`),
      vrrp_instance: text(transition.vrrp_instance, `${at}.vrrp_instance`),
      from: exportedStateAt(transition.from, `${at}.from`),
      to: exportedStateAt(transition.to, `${at}.to`),
      priority: priority(transition.priority, `${at}.priority`),
    };
  });
}
