import { VRID_RANGE } from '../instances.ts';
import { rangeText } from './_vrids.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const vridOutOfRange = defineRule({
  id: 'vrid-out-of-range',
  summary: 'VRIDs outside 1..255, which keepalived drops',
  check: eachDeployment((deployment) => {
    const { instances } = deployment;
    const outside = instances.filter(({ vrid }) => vrid < VRID_RANGE[0] || vrid > VRID_RANGE[1]);
    if (outside.length === 0) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VRRP_ID_OFFSET',
        `gives VRIDs ${rangeText(outside.map(({ vrid }) => vrid))}, outside 1..255; keepalived drops those ${outside.length} instances`,
        `Lower OPENSHIFT_HA_VRRP_ID_OFFSET so that offset + ${instances.length} instances stays within 255, or group the VIPs.`,
      ),
    ];
  }),
});
