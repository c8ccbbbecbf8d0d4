import { join } from 'node:path';
import { readRegularText } from '../../core/bounded-file.ts';
import { describeError } from '../../core/errors.ts';
import { isRecord, parseKeyedState } from '../../core/records.ts';
import { writeFileAtomic } from '../../core/report.ts';
import type { ServiceOnVips } from './inventory.ts';

/**
 * The API's answer, kept in IPF_STATE_DIR so that each node asks the API about once per
 * IPF_EXTERNALIP_CACHE_S rather than at every run, and so that an API outage does not put every
 * node's VIPs into FAULT at once: the last list is used for up to IPF_EXTERNALIP_STALE_S.
 */
export interface CachedList {
  readonly version: 1;
  /** What was asked (server, namespaces, selector, VIPs): a list for other settings is not reused. */
  readonly key: string;
  /** Epoch milliseconds of the API's answer. */
  readonly fetchedAt: number;
  readonly services: readonly ServiceOnVips[];
}

export const CACHE_FILE = 'externalip-cache.json';

export function cachePath(stateDir: string): string {
  return join(stateDir, CACHE_FILE);
}

export function cacheKey(parts: {
  server: string;
  namespaces: readonly string[] | undefined;
  selector: string | undefined;
  vips: ReadonlySet<string>;
}): string {
  return JSON.stringify([
    parts.server,
    parts.namespaces ?? null,
    parts.selector ?? null,
    [...parts.vips].sort(),
  ]);
}

function isService(value: unknown): value is ServiceOnVips {
  return (
    isRecord(value) &&
    typeof value.namespace === 'string' &&
    typeof value.name === 'string' &&
    typeof value.local === 'boolean' &&
    Array.isArray(value.addresses) &&
    value.addresses.every((address) => typeof address === 'string') &&
    Array.isArray(value.ports) &&
    value.ports.every(
      (port) =>
        isRecord(port) &&
        typeof port.port === 'number' &&
        typeof port.name === 'string' &&
        typeof port.protocol === 'string' &&
        typeof port.readyEndpoints === 'number' &&
        typeof port.endpoints === 'number',
    )
  );
}

/** Parses a cache file's text; anything unexpected, or a list for another key, is no cache at all. */
export function parseCache(text: string, key: string): CachedList | undefined {
  const state = parseKeyedState(text, key);
  return state && Array.isArray(state.services) && state.services.every(isService)
    ? (state as unknown as CachedList)
    : undefined;
}

/**
 * A cached Service takes a few hundred bytes, so 16 MiB holds tens of thousands of them: far above the
 * hundreds on a deployment's VIPs. A larger file is not a list this check wrote in practice.
 */
const CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * A cache that is not a regular file (a FIFO would block the open, /dev/zero would never end) or is
 * too large is no cache at all: the API is asked, as on a first run, and the rename of the next write
 * replaces it.
 */
export function readCache(path: string, key: string): CachedList | undefined {
  try {
    return parseCache(readRegularText(path, CACHE_MAX_BYTES), key);
  } catch {
    return undefined;
  }
}

/** Returns the problem, if any: a cache that cannot be written costs API requests, not the verdict. */
export function writeCache(path: string, list: CachedList): string | undefined {
  try {
    writeFileAtomic(path, JSON.stringify(list));
    return undefined;
  } catch (error) {
    return `cannot write the Service cache ${path}: ${describeError(error)}`;
  }
}

/** Seconds since the list was fetched; a list from the future (the clock went back) has no known age. */
export function ageSeconds(list: CachedList, nowMs: number): number {
  const age = (nowMs - list.fetchedAt) / 1000;
  return age < 0 ? Number.POSITIVE_INFINITY : age;
}

export const isFresh = (list: CachedList | undefined, nowMs: number, cacheSeconds: number): boolean =>
  list !== undefined && ageSeconds(list, nowMs) < cacheSeconds;

export const isUsableWhenApiFails = (
  list: CachedList | undefined,
  nowMs: number,
  staleSeconds: number,
): list is CachedList => list !== undefined && ageSeconds(list, nowMs) <= staleSeconds;
