import { autoAssignCidrs, WIDEST_PREFIX } from './_external-ip.ts';
import { defineRule } from './rule.ts';

export const externalIpCidr = defineRule({
  id: 'external-ip-cidr',
  summary: 'an ExternalIP `autoAssignCIDRs` entry that is not an IPv4 CIDR, or wider than /24',
  check: ({ network }) => {
    if (!network) return [];
    return autoAssignCidrs(network).flatMap(({ raw, path, parsed }) => {
      if (!parsed) {
        return [
          {
            object: network,
            path,
            message: `"${String(raw)}" is not an IPv4 CIDR`,
            fix: 'Write it as a.b.c.d/n.',
          },
        ];
      }
      if (parsed.prefix >= WIDEST_PREFIX) return [];
      return [
        {
          object: network,
          path,
          message: `${raw} is wider than /24: IP failover serves at most 254 VIPs per cluster`,
          fix: 'Use a /24 or smaller range for spec.externalIP.autoAssignCIDRs.',
        },
      ];
    });
  },
});
