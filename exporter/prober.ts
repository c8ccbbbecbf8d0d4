import { join } from 'node:path';
import { readRegularText } from '../core/bounded-file.ts';
import {
  PROBER_HEARTBEAT_MS,
  PROBER_RECORD,
  REFUSAL_KINDS,
  type RefusalKind,
} from '../core/prober-protocol.ts';

/** What the prober writes to IPF_STATE_DIR/prober.json every PROBER_HEARTBEAT_MS (checks/prober/main.ts). */
export interface ProberRecord {
  readonly at: number;
  readonly started_at: number;
  readonly requests: number;
  readonly refused: Readonly<Record<RefusalKind, number>>;
  readonly probes: Readonly<Record<string, number>>;
}

/** The record is a few hundred bytes. */
const PROBER_RECORD_MAX_BYTES = 64 * 1024;

/** Missed beats before the prober counts as down: a busy node may delay one. */
const MISSED_BEATS = 3;

const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isCounts = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.values(value).every(isCount);

/** The prober's record, or undefined when it is missing, not a regular file, or not of this shape. */
export function readProberRecord(stateDir: string): ProberRecord | undefined {
  try {
    const parsed = JSON.parse(
      readRegularText(join(stateDir, PROBER_RECORD), PROBER_RECORD_MAX_BYTES),
    ) as Record<string, unknown>;
    if (
      !Number.isFinite(parsed.at) ||
      !Number.isFinite(parsed.started_at) ||
      !isCount(parsed.requests) ||
      !isCounts(parsed.refused) ||
      !isCounts(parsed.probes)
    )
      return undefined;
    return parsed as unknown as ProberRecord;
  } catch {
    return undefined;
  }
}

/** Up: a record whose heartbeat is recent. A SIGSTOPped or dead prober stops beating. */
export function proberUp(record: ProberRecord | undefined, nowMs: number): boolean {
  return record !== undefined && nowMs - record.at * 1000 <= MISSED_BEATS * PROBER_HEARTBEAT_MS;
}

export const refusalKinds: readonly RefusalKind[] = REFUSAL_KINDS;
