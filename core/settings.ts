import { readRegularFile } from './bounded-file.ts';
import { describeError, Expected } from './errors.ts';
import { linearRegex } from './linear-regex.ts';
import type { SettingName } from './setting-names.ts';

/**
 * A setting is read from one environment variable. Order, as in blackbox_exporter's config:
 * the default text first, then the environment, then validation by the same parser, so a
 * default can never be something a user could not have typed.
 */
export interface Setting<T> {
  readonly parse: (raw: string) => T;
  readonly fallback: string | undefined;
  readonly doc: string;
  /** How the raw value may be shown (`--validate`, messages): settings that can carry a secret hide it. */
  readonly display?: (raw: string, env: Env) => string;
}

export type SettingSpec = Readonly<Record<string, Setting<unknown>>>;
export type SettingValues<S extends SettingSpec> = {
  -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * A part's spec, checked by tsc against core/setting-names.ts: each IPF_* key must be one of `Names`,
 * the settings the table gives a reader that runs this spec, so a spec cannot read a setting the table
 * places elsewhere, or one it does not know. Other keys are the image's or the platform's
 * (OPENSHIFT_HA_*, KUBERNETES_*, NODE_NAME). Use as `specFor<SettingsOf<'check'>>()({ … })`.
 */
export function specFor<Names extends SettingName>() {
  return <const S extends SettingSpec>(
    spec: S & {
      readonly [K in keyof S]: K extends `IPF_${string}` ? (K extends Names ? unknown : never) : unknown;
    },
  ): S => spec;
}

export function withDefault<T>(fallback: string, parse: (raw: string) => T, doc: string): Setting<T> {
  return { parse, fallback, doc };
}

export function optional<T>(parse: (raw: string) => T, doc: string): Setting<T | undefined> {
  return { parse, fallback: undefined, doc };
}

/** The same setting, shown through `display` wherever its value is echoed. */
export function shownAs<T>(setting: Setting<T>, display: (raw: string, env: Env) => string): Setting<T> {
  return { ...setting, display };
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
      const shown = quote(setting.display ? setting.display(raw, env) : raw);
      if (error instanceof Expected) problems.push(invalid(name, error.expected, error.given ?? shown));
      else problems.push(invalid(name, describeError(error), shown));
    }
  }
  return { values: values as SettingValues<S>, problems };
}

/** The one shape of every settings message: the variable, what was expected, what was given. */
export function invalid(name: string, expected: string, given: string): string {
  return `${name}: expected ${expected}, got ${given}`;
}

/** At most this much of a value is echoed: a 100 KB value must not be printed on every run. */
const QUOTE_MAX_CHARACTERS = 200;

/** A value as messages show it: JSON-quoted, so a newline cannot split the line, and cut short. */
export function quote(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'nothing';
  if (raw.length <= QUOTE_MAX_CHARACTERS) return JSON.stringify(raw);
  return `${JSON.stringify(raw.slice(0, QUOTE_MAX_CHARACTERS))}... (${raw.length} characters)`;
}

/** Names that look like ours (`IPF_`) but that no part of the toolkit reads. */
export function unknownSettings(env: Env, known: ReadonlySet<string>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('IPF_') && !known.has(name))
    .sort()
    .map((name) => `${name}: unknown setting; did you mean ${closest(name, known)}?`);
}

/** The candidate nearest to the name by edit distance: the did-you-mean of an unknown setting. */
export function closest(name: string, candidates: ReadonlySet<string>): string {
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

/** A whole number of seconds from min to max; the message names the unit and the bounds. */
export const seconds = (min: number, max: number) =>
  integer(min, max, `a whole number of seconds from ${min} to ${max}`);
export const milliseconds = (min: number, max: number) =>
  integer(min, max, `a whole number of milliseconds from ${min} to ${max}`);

/**
 * A vrrp_script interval as keepalived 2.2 (RHEL 9's and the image's) reads it: whole seconds from 1 to
 * 4294; it ignores anything else ("must be between 1 and 4294") and turns 0 into 1.
 */
export function scriptIntervalSeconds(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 4294) {
    throw new Expected(
      'a whole number of seconds from 1 to 4294 (keepalived 2.2 ignores any other interval)',
    );
  }
  return Math.max(1, value);
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

/** A user-supplied pattern, refused unless it can run in linear time: see core/linear-regex.ts. */
export function regex(raw: string): RegExp {
  return linearRegex(raw);
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
  return byteSizeAtMost(Number.MAX_SAFE_INTEGER)(raw);
}

/** A size with an upper bound: what is read into memory must not be whatever a typo says. */
export function byteSizeAtMost(maximum: number) {
  const bound = Number.isSafeInteger(maximum) && maximum < Number.MAX_SAFE_INTEGER ? ` up to ${maximum}` : '';
  return (raw: string): number => {
    const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
    const unit = sizeUnits[match?.[2]?.toLowerCase() ?? 'none'];
    const value = Number(match?.[1]) * (unit ?? Number.NaN);
    if (!match || unit === undefined || value === 0 || !(value <= maximum)) {
      throw new Expected(`a size in bytes${bound}, such as 65536, 64KiB or 1MiB`);
    }
    return value;
  };
}

export function text(raw: string): string {
  return raw;
}

/** PEM bundles, keys and tokens fit many times over; /dev/zero or a FIFO must not be read for ever. */
const SETTING_FILE_MAX_BYTES = 1024 * 1024;

/** Reads the file at parse time, so an unreadable file is a setting problem, not a probe failure. */
export function fileContents(raw: string): { path: string; contents: Buffer } {
  try {
    return { path: raw, contents: readRegularFile(raw, SETTING_FILE_MAX_BYTES) };
  } catch (error) {
    throw new Expected(`a readable regular file of at most 1 MiB (${describeError(error)})`);
  }
}

/** Entries of a list at most: each is probed at once, and a run must stay within its deadline. */
export const LIST_MAX_ENTRIES = 64;

export function list<T>(item: (raw: string) => T) {
  return (raw: string): T[] => {
    const parts = raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const expected = `a comma-separated list of 1 to ${LIST_MAX_ENTRIES} entries`;
    if (parts.length === 0) throw new Expected(expected);
    if (parts.length > LIST_MAX_ENTRIES) throw new Expected(expected, `${parts.length} entries`);
    return parts.map((part, index) => {
      try {
        return item(part);
      } catch (error) {
        if (!(error instanceof Expected)) throw error;
        throw new Expected(
          error.expected,
          `${error.given ?? quote(part)} (entry ${index + 1} of ${parts.length})`,
        );
      }
    });
  };
}

/** `scheme://user:password@host` with the user information replaced, wherever it stands in the text. */
export function hideUrlCredentials(raw: string): string {
  return raw.replace(/(\/\/)[^/?#@\s]*@/g, '$1<credentials hidden>@');
}

/**
 * An http:// or https:// URL without credentials, which would end up in reason lines, records and
 * the exporter's API; `instead` says where they go. The refused value is never echoed with them.
 */
export function httpUrl(instead: string) {
  return (raw: string): URL => {
    const given = quote(hideUrlCredentials(raw));
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Expected('an http:// or https:// URL', given);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Expected('an http:// or https:// URL', given);
    if (url.username || url.password) throw new Expected(`a URL without credentials (use ${instead})`, given);
    return url;
  };
}
