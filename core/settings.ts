import { readFileSync } from 'node:fs';
import { describeError, Expected } from './errors.ts';

/**
 * A setting is read from one environment variable. Order, as in blackbox_exporter's config:
 * the default text first, then the environment, then validation by the same parser, so a
 * default can never be something a user could not have typed.
 */
export interface Setting<T> {
  readonly parse: (raw: string) => T;
  readonly fallback: string | undefined;
  readonly doc: string;
}

export type SettingSpec = Readonly<Record<string, Setting<unknown>>>;
export type SettingValues<S extends SettingSpec> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};
export type Env = Readonly<Record<string, string | undefined>>;

export function withDefault<T>(fallback: string, parse: (raw: string) => T, doc: string): Setting<T> {
  return { parse, fallback, doc };
}

export function optional<T>(parse: (raw: string) => T, doc: string): Setting<T | undefined> {
  return { parse, fallback: undefined, doc };
}

export interface ReadResult<S extends SettingSpec> {
  values: SettingValues<S>;
  problems: string[];
}

/** Reads every setting of a spec and collects every problem instead of stopping at the first. */
export function readSettings<S extends SettingSpec>(spec: S, env: Env): ReadResult<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(spec)) {
    const given = env[name];
    const raw = given === undefined || given === '' ? setting.fallback : given;
    if (raw === undefined) continue;
    try {
      values[name] = setting.parse(raw);
    } catch (error) {
      if (error instanceof Expected) problems.push(invalid(name, error.expected, error.given ?? quote(raw)));
      else problems.push(invalid(name, describeError(error), quote(raw)));
    }
  }
  return { values: values as SettingValues<S>, problems };
}

/** The one shape of every settings message: the variable, what was expected, what was given. */
export function invalid(name: string, expected: string, given: string): string {
  return `${name}: expected ${expected}, got ${given}`;
}

export function quote(raw: string | undefined): string {
  return raw === undefined || raw === '' ? 'nothing' : JSON.stringify(raw);
}

/** Names that look like ours (`IPF_`) but that no part of the toolkit reads. */
export function unknownSettings(env: Env, known: ReadonlySet<string>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('IPF_') && !known.has(name))
    .sort()
    .map((name) => `${name}: unknown setting; did you mean ${closest(name, known)}?`);
}

function closest(name: string, candidates: ReadonlySet<string>): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// Value parsers. Each throws Expected with what a valid value looks like.

export function integer(min: number, max: number, what = `a whole number from ${min} to ${max}`) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) throw new Expected(what);
    return value;
  };
}

export function positiveSeconds(raw: string): number {
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || value <= 0) throw new Expected('a positive number of seconds');
  return value;
}

export function oneOf<const T extends string>(...choices: readonly T[]) {
  return (raw: string): T => {
    const value = raw.trim().toLowerCase();
    const match = choices.find((choice) => choice.toLowerCase() === value);
    if (match === undefined) throw new Expected(`one of ${choices.join(', ')}`);
    return match;
  };
}

export const boolean = (raw: string): boolean => oneOf('true', 'false')(raw) === 'true';

export function regex(raw: string): RegExp {
  try {
    return new RegExp(raw);
  } catch (error) {
    throw new Expected(`a JavaScript regular expression (${describeError(error)})`);
  }
}

const sizeUnits: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1048576,
  mb: 1048576,
  mib: 1048576,
};

export function byteSize(raw: string): number {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = sizeUnits[match?.[2]?.toLowerCase() ?? 'none'];
  if (!match || unit === undefined || Number(match[1]) === 0) {
    throw new Expected('a size in bytes, such as 65536, 64KiB or 1MiB');
  }
  return Number(match[1]) * unit;
}

export function text(raw: string): string {
  return raw;
}

/** Reads the file at parse time, so an unreadable file is a setting problem, not a probe failure. */
export function fileContents(raw: string): { path: string; contents: Buffer } {
  try {
    return { path: raw, contents: readFileSync(raw) };
  } catch (error) {
    throw new Expected(`a readable file (${describeError(error)})`);
  }
}

export function list<T>(item: (raw: string) => T) {
  return (raw: string): T[] => {
    const parts = raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    if (parts.length === 0) throw new Expected('a comma-separated list with at least one entry');
    return parts.map((part, index) => {
      try {
        return item(part);
      } catch (error) {
        if (!(error instanceof Expected)) throw error;
        throw new Expected(error.expected, `${quote(part)} (entry ${index + 1} of ${parts.length})`);
      }
    });
  };
}

/** An http:// or https:// URL without credentials, which would end up in logs; `instead` says where they go. */
export function httpUrl(instead: string) {
  return (raw: string): URL => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Expected('an http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Expected('an http:// or https:// URL');
    if (url.username || url.password) throw new Expected(`a URL without credentials (use ${instead})`);
    return url;
  };
}
