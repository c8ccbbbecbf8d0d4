import { plural } from '../../plural.ts';
import { describeObject } from '../manifests.ts';
import { defineRule, eachPair, envIssue } from './rule.ts';

export const vipInTwoDeployments = defineRule({
  id: 'vip-in-two-deployments',
  summary: 'VIPs shared between deployments',
  check: eachPair((deployment, other) => {
    const theirs = new Set(other.instances.flatMap(({ vips }) => vips));
    const shared = [
      ...new Set(deployment.instances.flatMap(({ vips }) => vips).filter((vip) => theirs.has(vip))),
    ];
    if (shared.length === 0) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VIRTUAL_IPS',
        `${shared.slice(0, 5).join(', ')}${shared.length > 5 ? ` and ${shared.length - 5} more` : ''} ${plural(shared.length, 'is also a VIP', 'are also VIPs')} of ${describeObject(other.object)} (${other.object.file})`,
        'Give each VIP to one deployment only.',
      ),
    ];
  }),
});
