import { readdirSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { readRegularText } from '../core/bounded-file.ts';
import { describeError } from '../core/errors.ts';
import { STATUS_RECORD_MAX_BYTES, type StatusRecord, statusRecordProblem } from '../core/report.ts';

/** The addresses on this node's interfaces now: the ground truth of which VIPs it holds. */
export function localAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(normalizeAddress(entry.address));
  }
  return addresses;
}

/** The image writes IPv6 VIPs in uppercase; the kernel reports lowercase. */
export function normalizeAddress(address: string): string {
  return address.replace(/%.*$/, '').toLowerCase();
}

const CHECK_RECORD_NAME = /^check-.+\.json$/;

/**
 * The checks' status records in the state directory. A record that cannot be used (not a regular
 * file, too large, not JSON, a field missing or of the wrong type) is skipped, logged once and
 * counted per file in `invalid`, once for each version of the file (its inode, size and times), so
 * the count does not depend on how often it is scraped. A file that vanished between the listing and
 * the read is being replaced by its check's rename: skipped silently.
 */
export class CheckRecords {
  /** File name → how many invalid versions of it were seen. */
  readonly invalid = new Map<string, number>();
  /** File name → the identity of its last version found invalid. */
  private readonly invalidVersion = new Map<string, string>();

  constructor(
    private readonly stateDir: string,
    private readonly log: (line: string) => void,
  ) {}

  read(): StatusRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.stateDir).filter((name) => CHECK_RECORD_NAME.test(name));
    } catch {
      return [];
    }
    const records: StatusRecord[] = [];
    for (const name of names) {
      const path = join(this.stateDir, name);
      let version = 'unknown';
      let problem: string | undefined;
      try {
        // stat(2) opens nothing, so it cannot block on a FIFO; it identifies the version being read.
        const stats = statSync(path);
        version = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
        const parsed: unknown = JSON.parse(readRegularText(path, STATUS_RECORD_MAX_BYTES));
        problem = statusRecordProblem(parsed);
        if (!problem) {
          records.push(parsed as StatusRecord);
          this.invalidVersion.delete(name);
          continue;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        problem = describeError(error);
      }
      const previous = this.invalidVersion.get(name);
      if (previous === version) continue;
      if (previous === undefined) this.log(`skipping the status record ${name}: ${problem}`);
      this.invalidVersion.set(name, version);
      this.invalid.set(name, (this.invalid.get(name) ?? 0) + 1);
    }
    // Files that are gone no longer have a version to remember; their counts stay, as counters do.
    const present = new Set(names);
    for (const name of this.invalidVersion.keys()) if (!present.has(name)) this.invalidVersion.delete(name);
    return records;
  }
}
