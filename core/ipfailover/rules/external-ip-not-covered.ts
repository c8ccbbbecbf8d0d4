import { hostAddresses, type Ipv4Cidr } from '../../ip.ts';
import { counted, plural } from '../../plural.ts';
import { autoAssignCidrs, WIDEST_PREFIX } from './_external-ip.ts';
import { defineRule } from './rule.ts';

/** The CIDR's hosts as an OPENSHIFT_HA_VIRTUAL_IPS range: `a.b.c.d-e`. */
function hostRange(cidr: Ipv4Cidr): string {
  const hosts = hostAddresses(cidr);
  return hosts.length === 1 ? (hosts[0] ?? '') : `${hosts[0]}-${hosts.at(-1)?.split('.')[3]}`;
}

export const externalIpNotCovered = defineRule({
  id: 'external-ip-not-covered',
  summary: 'ExternalIP `autoAssignCIDRs` addresses that no deployment has as a VIP',
  check: ({ network, deployments }) => {
    if (!network) return [];
    const vips = new Set(
      deployments.flatMap((deployment) => deployment.instances.flatMap(({ vips }) => vips)),
    );
    return autoAssignCidrs(network).flatMap(({ raw, path, parsed }) => {
      // external-ip-cidr flags the others.
      if (!parsed || parsed.prefix < WIDEST_PREFIX) return [];
      const missing = hostAddresses(parsed).filter((address) => !vips.has(address));
      if (missing.length === 0) return [];
      return [
        {
          object: network,
          path,
          message: `${counted(missing.length, 'address', 'addresses')} of ${raw} ${plural(missing.length, 'is', 'are')} in no deployment’s VIPs (${missing.length > 3 ? 'first: ' : ''}${missing.slice(0, 3).join(', ')}); Services given ${plural(missing.length, 'that external IP', 'those external IPs')} have no failover`,
          fix: `Set OPENSHIFT_HA_VIRTUAL_IPS to the same range, e.g. "${hostRange(parsed)}", with OPENSHIFT_HA_VIP_GROUPS if needed.`,
        },
      ];
    });
  },
});
