import { counted, plural } from '../../plural.ts';
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
        `gives ${plural(outside.length, 'VRID')} ${rangeText(outside.map(({ vrid }) => vrid))}, outside 1..255; keepalived drops ${plural(outside.length, 'that', 'those')} ${counted(outside.length, 'instance')}`,
        `Lower OPENSHIFT_HA_VRRP_ID_OFFSET so that offset + ${counted(instances.length, 'instance')} stays within 255, or group the VIPs.`,
      ),
    ];
  }),
});
