/**
 * Addresses and CIDR arithmetic. The image's own reading of addresses (character stripping, ranges)
 * is in core/ipfailover/vips.ts: this is what an address is, not what the image makes of one.
 */

/**
 * One spelling per address, so that a VIP and a Service's IP compare equal: IPv4 without leading
 * zeros (the image keeps `010.0.0.1` as it was written), IPv6 compressed and lowercase (the image
 * expands ranges in uppercase, the API writes lowercase). Undefined for anything that is not an IP.
 */
export function canonicalIp(text: string): string | undefined {
  const octets = text.split('.');
  // Digits by hand, not a regular expression: this runs at every check, and compiling one costs more.
  if (octets.length === 4 && octets.every(isOctet)) return octets.map(Number).join('.');
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  try {
    // The URL parser is the WHATWG IPv6 serializer: compressed, lowercase.
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

function isOctet(text: string): boolean {
  if (text.length === 0 || text.length > 3) return false;
  for (const character of text) if (character < '0' || character > '9') return false;
  return Number(text) <= 255;
}

export interface Ipv4Cidr {
  /** The network address as a number, host bits cleared. */
  readonly base: number;
  readonly prefix: number;
}

/** `a.b.c.d/n`; host bits may be set (they are cleared), as the API accepts them. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix };
}

const dotted = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** The usable addresses: a /31 or /32 has no network and broadcast address to leave out. */
export function hostAddresses({ base, prefix }: Ipv4Cidr): string[] {
  const size = 2 ** (32 - prefix);
  const [first, last] = prefix >= 31 ? [base, base + size - 1] : [base + 1, base + size - 2];
  return Array.from({ length: last - first + 1 }, (_, index) => dotted(first + index));
}
