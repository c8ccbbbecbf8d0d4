import { readRegularText } from '../../core/bounded-file.ts';
import { describeError, Expected, UserError } from '../../core/errors.ts';
import { nodeTargetSettings } from '../../core/node-target.ts';
import type { SettingsOf } from '../../core/setting-names.ts';
import {
  boolean,
  byteSizeAtMost,
  type Env,
  fileContents,
  hideUrlCredentials,
  httpUrl,
  invalid,
  list,
  oneOf,
  optional,
  quote,
  regex,
  shownAs,
  specFor,
  text,
  withDefault,
} from '../../core/settings.ts';

/** Status ranges, e.g. `200-399` or `200,204,300-399`. */
export type StatusRanges = readonly (readonly [number, number])[];

export function statusRanges(raw: string): StatusRanges {
  return raw.split(',').map((part) => {
    const match = /^\s*([1-5]\d\d)\s*(?:-\s*([1-5]\d\d)\s*)?$/.exec(part);
    const low = Number(match?.[1]);
    const high = Number(match?.[2] ?? match?.[1]);
    if (!match || high < low)
      throw new Expected('status codes and ranges from 100 to 599, such as 200-399 or 200,204');
    return [low, high] as const;
  });
}

export function formatStatusRanges(ranges: StatusRanges): string {
  return ranges.map(([low, high]) => (low === high ? `${low}` : `${low}-${high}`)).join(',');
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers whose values are credentials wherever they appear; IPF_HTTP_SECRET_HEADERS adds more. */
const ALWAYS_SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
]);

export function isSecretHeader(name: string, marked: ReadonlySet<string> = new Set()): boolean {
  const lower = name.toLowerCase();
  return ALWAYS_SECRET_HEADERS.has(lower) || marked.has(lower);
}

/**
 * `Name: value; Name: value`, the form an `oc set env` line can carry. A malformed entry is named by
 * its position, never quoted: it may be a token pasted without its header name.
 */
function namedEntries(what: string) {
  return (raw: string): [string, string][] => {
    const parts = raw.split(';').filter((part) => part.trim() !== '');
    return parts.map((part, index) => {
      const colon = part.indexOf(':');
      const name = part.slice(0, colon).trim();
      if (colon < 0 || !headerName.test(name)) {
        throw new Expected(
          `${what} as \`Name: ${what === 'headers' ? 'value' : '/path'}; Name: …\``,
          `entry ${index + 1} of ${parts.length}, ${colon < 0 ? 'which has no colon' : 'whose name is not a header name'} (${part.trim().length} characters, not shown)`,
        );
      }
      return [name, part.slice(colon + 1).trim()];
    });
  };
}

const headerList = namedEntries('headers');

/** IPF_HTTP_HEADERS as `--validate` shows it: the value of every secret header hidden. */
function hideSecretHeaderValues(raw: string, env: Env): string {
  const marked = new Set(
    (env.IPF_HTTP_SECRET_HEADERS ?? '').split(',').map((name) => name.trim().toLowerCase()),
  );
  return raw
    .split(';')
    .map((part) => {
      const colon = part.indexOf(':');
      if (colon < 0) return '<malformed entry hidden>';
      return isSecretHeader(part.slice(0, colon).trim(), marked) ? `${part.slice(0, colon)}: <hidden>` : part;
    })
    .join(';');
}

/** Header values in files mount straight from a Secret; a token fits many times over. */
const HEADER_FILE_MAX_BYTES = 64 * 1024;

/**
 * Reads IPF_HTTP_HEADER_FILES at every run, since a mounted Secret changes in place. A problem names
 * the header and the file, never the contents; the trailing newline of a file is not part of the value.
 */
export function readHeaderFiles(
  entries: readonly [string, string][],
  problems: string[],
): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, path] of entries) {
    try {
      const value = readRegularText(path, HEADER_FILE_MAX_BYTES).replace(/\r?\n$/, '');
      if (/[\r\n\0]/.test(value)) throw new UserError('holds more than one line');
      headers.push([name, value]);
    } catch (error) {
      problems.push(
        invalid(
          'IPF_HTTP_HEADER_FILES',
          `a readable one-line regular file of at most 64 KiB for ${name} (${describeError(error)})`,
          quote(path),
        ),
      );
    }
  }
  return headers;
}

/**
 * The body is held in memory and matched in one synchronous call, which no deadline can interrupt:
 * a pathological pattern on 4 MiB takes about a second even on the linear-time engine (bench/).
 */
const HTTP_MAX_BODY_LIMIT = 4 * 1024 * 1024;

export const httpSettings = specFor<SettingsOf<'check'>>()({
  ...nodeTargetSettings,
  IPF_HTTP_URL: shownAs(
    optional(
      list(httpUrl('IPF_HTTP_HEADER_FILES with an Authorization header')),
      'Comma list of URLs; all must pass. Unset: http://NODE_IP:OPENSHIFT_HA_MONITOR_PORT/, the target of the image’s own check.',
    ),
    hideUrlCredentials,
  ),
  IPF_HTTP_METHOD: withDefault('GET', oneOf('GET', 'HEAD'), 'GET or HEAD.'),
  IPF_HTTP_STATUS: withDefault(
    '200-399',
    statusRanges,
    'Accepted status codes: codes and ranges, such as 200,204,300-399.',
  ),
  IPF_HTTP_BODY_REGEX: optional(regex, 'The body (up to IPF_HTTP_MAX_BODY) must match this.'),
  IPF_HTTP_BODY_NOT_REGEX: optional(regex, 'The body (up to IPF_HTTP_MAX_BODY) must not match this.'),
  IPF_HTTP_HEADERS: shownAs(
    optional(
      headerList,
      'Request headers, as `Name: value; Name: value`. The values of Authorization, Proxy-Authorization, Cookie and of the headers in IPF_HTTP_SECRET_HEADERS are never shown.',
    ),
    hideSecretHeaderValues,
  ),
  IPF_HTTP_SECRET_HEADERS: optional(
    list(text),
    'Comma list of more header names whose values are never shown (Authorization, Proxy-Authorization and Cookie always are).',
  ),
  IPF_HTTP_HEADER_FILES: optional(
    namedEntries('header files'),
    'Request headers whose values are read from files at every run, as `Name: /path; Name: /path`: for a Secret mounted into the pod. Their values are never shown.',
  ),
  IPF_HTTP_HOST: optional(
    text,
    'Host header, to test a virtual host on the node; also the TLS server name unless IPF_HTTP_SERVER_NAME is set.',
  ),
  IPF_HTTP_CA_FILE: optional(
    fileContents,
    'PEM CA bundle that must have signed the server certificate; it replaces the system CAs.',
  ),
  IPF_HTTP_CERT_FILE: optional(fileContents, 'PEM client certificate (with IPF_HTTP_KEY_FILE).'),
  IPF_HTTP_KEY_FILE: optional(fileContents, 'PEM client key (with IPF_HTTP_CERT_FILE).'),
  IPF_HTTP_SERVER_NAME: optional(text, 'TLS server name to send and verify.'),
  IPF_HTTP_INSECURE: withDefault('false', boolean, '`true` skips certificate verification.'),
  IPF_HTTP_FOLLOW_REDIRECTS: withDefault(
    'false',
    boolean,
    '`true` follows up to 5 redirects; a longer chain fails.',
  ),
  IPF_HTTP_MAX_BODY: withDefault(
    '1MiB',
    byteSizeAtMost(HTTP_MAX_BODY_LIMIT),
    'The longest body accepted, up to 4MiB: the body is read and matched whole, and a longer one fails the check.',
  ),
});
