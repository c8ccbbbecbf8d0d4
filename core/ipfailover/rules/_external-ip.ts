import { type Ipv4Cidr, parseIpv4Cidr } from '../../ip.ts';
import { isRecord } from '../../records.ts';
import type { FieldPath, ManifestObject } from '../manifests.ts';

export interface AutoAssignCidr {
  readonly raw: unknown;
  readonly path: FieldPath;
  /** Undefined when it is not an IPv4 CIDR. */
  readonly parsed: Ipv4Cidr | undefined;
}

/** The Network's spec.externalIP.autoAssignCIDRs: the blocks OpenShift takes Services' external IPs from. */
export function autoAssignCidrs(network: ManifestObject): AutoAssignCidr[] {
  const spec = isRecord(network.body.spec) ? network.body.spec : {};
  const externalIp = isRecord(spec.externalIP) ? spec.externalIP : {};
  const cidrs = Array.isArray(externalIp.autoAssignCIDRs) ? externalIp.autoAssignCIDRs : [];
  return cidrs.map((raw, index) => ({
    raw,
    path: ['spec', 'externalIP', 'autoAssignCIDRs', index],
    parsed: typeof raw === 'string' ? parseIpv4Cidr(raw) : undefined,
  }));
}

/** IP failover serves at most 254 VIPs per cluster. */
export const WIDEST_PREFIX = 24;
