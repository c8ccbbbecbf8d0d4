import { counted } from '../../plural.ts';
import { vipGroupCount } from '../image-env.ts';
import { expandVirtualIps } from '../vips.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const groupsExceedVips = defineRule({
  id: 'groups-exceed-vips',
  summary: 'more `OPENSHIFT_HA_VIP_GROUPS` than VIPs',
  check: eachDeployment((deployment) => {
    const vips = expandVirtualIps(deployment.settings.virtualIps);
    const groups = vipGroupCount(deployment.settings.vipGroups);
    if (groups <= vips.length || vips.length === 0) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VIP_GROUPS',
        `is ${groups}, more than the ${counted(vips.length, 'VIP')}: the image makes one instance per VIP instead`,
        `Set it to at most ${vips.length}, or unset it for one instance per VIP.`,
      ),
    ];
  }),
});
