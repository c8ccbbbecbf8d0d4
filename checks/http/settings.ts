import { Expected } from '../../core/errors.ts';
import { nodeTargetSettings } from '../../core/node-target.ts';
import {
  boolean,
  byteSize,
  fileContents,
  httpUrl,
  list,
  oneOf,
  optional,
  regex,
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

/** `Name: value; Name: value`, the form an `oc set env` line can carry. */
export function headerList(raw: string): [string, string][] {
  return raw
    .split(';')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const colon = part.indexOf(':');
      const name = part.slice(0, colon).trim();
      if (colon < 0 || !headerName.test(name)) {
        throw new Expected(
          'headers as `Name: value; Name: value`',
          `${JSON.stringify(part.trim())} in ${JSON.stringify(raw)}`,
        );
      }
      return [name, part.slice(colon + 1).trim()];
    });
}

export const httpSettings = {
  ...nodeTargetSettings,
  IPF_HTTP_URL: optional(
    list(httpUrl('IPF_HTTP_HEADERS')),
    'Comma list of URLs; all must pass. Unset: http://NODE_IP:OPENSHIFT_HA_MONITOR_PORT/, the target of the image’s own check.',
  ),
  IPF_HTTP_METHOD: withDefault('GET', oneOf('GET', 'HEAD'), 'GET or HEAD.'),
  IPF_HTTP_STATUS: withDefault(
    '200-399',
    statusRanges,
    'Accepted status codes: codes and ranges, such as 200,204,300-399.',
  ),
  IPF_HTTP_BODY_REGEX: optional(regex, 'The body (up to IPF_HTTP_MAX_BODY) must match this.'),
  IPF_HTTP_BODY_NOT_REGEX: optional(regex, 'The body (up to IPF_HTTP_MAX_BODY) must not match this.'),
  IPF_HTTP_HEADERS: optional(headerList, 'Request headers, as `Name: value; Name: value`.'),
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
    '64KiB',
    byteSize,
    'How much of the body is read and matched; the rest is not read.',
  ),
} as const;
