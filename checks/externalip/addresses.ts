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

/** The addresses that are IPs, each in its one spelling. */
export function vipSet(vips: readonly string[]): ReadonlySet<string> {
  return new Set(vips.map(canonicalIp).filter((vip): vip is string => vip !== undefined));
}
