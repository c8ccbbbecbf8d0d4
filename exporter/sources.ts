import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { StatusRecord } from '../core/report.ts';

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

/** The checks' status records in the state directory; a record being replaced or torn is skipped. */
export function readCheckRecords(stateDir: string): StatusRecord[] {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((name) => /^check-.+\.json$/.test(name));
  } catch {
    return [];
  }
  const records: StatusRecord[] = [];
  for (const name of names) {
    try {
      const record = JSON.parse(readFileSync(join(stateDir, name), 'utf8')) as StatusRecord;
      if (typeof record.check === 'string' && typeof record.ok === 'boolean') records.push(record);
    } catch {
      // Written by temp file and rename, so a failed read is a file that vanished in between.
    }
  }
  return records;
}
