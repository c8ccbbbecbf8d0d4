import { canonicalIp } from '../../core/ip.ts';

/** The addresses that are IPs, each in its one spelling (core/ip.ts), so that a VIP and a Service's IP compare equal. */
export function vipSet(vips: readonly string[]): ReadonlySet<string> {
  return new Set(vips.map(canonicalIp).filter((vip): vip is string => vip !== undefined));
}
