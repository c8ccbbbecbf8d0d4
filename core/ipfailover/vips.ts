/**
 * OPENSHIFT_HA_VIRTUAL_IPS as the image expands it (lib/utils.sh, expand_ip_ranges), quirks
 * included: they decide which VIPs keepalived really gets.
 * - Every character outside [0-9a-fA-F:.,-] is deleted, so spaces do not separate and `/24` is
 *   glued onto the address (`10.1.1.1/24` becomes `10.1.1.124`).
 * - Commas and newlines separate entries; invalid entries are dropped silently; duplicates stay.
 * - `a.b.c.d-e` varies the last octet only, with no cap at 255; only the last field of the end counts.
 * - IPv6 ranges go through `bc` with ibase=16, which reads only uppercase hex digits.
 */
export function expandVirtualIps(raw: string): string[] {
  return entries(raw).flatMap(expandEntry);
}

/** The entries after the image's character stripping, in order. */
export function entries(raw: string): string[] {
  return raw
    .split('\n')
    .map((line) => line.replace(/[^0-9a-fA-F:.,-]/g, '').replaceAll(',', ' '))
    .join(' ')
    .split(' ')
    .filter((entry) => entry !== '');
}

export function expandEntry(entry: string): string[] {
  const [first = '', end = ''] = entry.split('-');
  if (isImageIpv4(first)) return expandIpv4(first, end);
  if (isImageIpv6(first)) return expandIpv6(first, end);
  return [];
}

export function isImageIpv4(text: string): boolean {
  return (
    /^([0-2]?[0-9]{1,2}\.){3}([0-2]?[0-9]{1,2})$/.test(text) &&
    text.split('.').every((octet) => Number(octet) <= 255)
  );
}

const group = '[0-9a-fA-F]{1,4}';
const ipv6Full = new RegExp(`^(${group}:){7}${group}$`);
const ipv6Leading = new RegExp(`^::(${group}:){0,6}${group}$`);
const ipv6Middle = new RegExp(`^(${group}:){0,6}:(${group}:){0,6}${group}$`);
const ipv6Groups = new RegExp(`^(${group}:+){1,6}${group}$`);

export function isImageIpv6(text: string): boolean {
  return ipv6Full.test(text) || ipv6Leading.test(text) || (ipv6Middle.test(text) && ipv6Groups.test(text));
}

/** `seq A B` over whole numbers; `seq` with one empty argument counts from 1, as the unquoted call does. */
function sequence(start: number | undefined, end: number | undefined): number[] {
  if (start === undefined && end === undefined) return [];
  const [from, to] = start === undefined || end === undefined ? [1, start ?? end ?? 0] : [start, end];
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

function expandIpv4(first: string, endText: string): string[] {
  if (endText === '') return [first];
  const fields = first.split('.');
  const start = fields[3] ?? '';
  const end = endText.split('.').at(-1) ?? '';
  if (!/^\d+$/.test(end)) return [];
  const base = fields.slice(0, 3).join('.');
  return sequence(Number(start), Number(end)).map((octet) => `${base}.${octet}`);
}

/** What `echo "ibase=16; X" | bc` prints: a number, 0 for a bc variable name, nothing on a syntax error. */
export function bcHex(text: string): number | undefined {
  if (/^[0-9A-F]+$/.test(text)) return Number.parseInt(text, 16);
  if (/^[a-z][a-z0-9_]*$/.test(text)) return 0;
  return undefined;
}

function expandIpv6(first: string, endText: string): string[] {
  if (endText === '') return [first];
  const start = first.slice(first.lastIndexOf(':') + 1);
  const base = first.slice(0, first.length - start.length);
  return sequence(bcHex(start), bcHex(endText)).map((value) => `${base}${value.toString(16).toUpperCase()}`);
}
