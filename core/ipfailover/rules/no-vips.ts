import { expandVirtualIps } from '../vips.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const noVips = defineRule({
  id: 'no-vips',
  summary: '`OPENSHIFT_HA_VIRTUAL_IPS` that expands to no address',
  check: eachDeployment((deployment) =>
    expandVirtualIps(deployment.settings.virtualIps).length === 0
      ? [
          envIssue(
            deployment,
            'OPENSHIFT_HA_VIRTUAL_IPS',
            'expands to no address: keepalived runs with no VRRP instance',
            'List the VIPs, e.g. "10.0.0.100-105,10.0.0.120".',
          ),
        ]
      : [],
  ),
});
