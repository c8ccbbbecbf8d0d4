import { expandVirtualIps } from '../vips.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const duplicateVip = defineRule({
  id: 'duplicate-vip',
  summary: 'a VIP listed twice in one deployment',
  check: eachDeployment((deployment) => {
    const seen = new Set<string>();
    const repeated = new Set(
      expandVirtualIps(deployment.settings.virtualIps).filter((vip) => seen.size === seen.add(vip).size),
    );
    if (repeated.size === 0) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_VIRTUAL_IPS',
        `lists ${[...repeated].join(', ')} more than once; the image keeps duplicates, and two instances then fight over one address`,
        'List each VIP once.',
      ),
    ];
  }),
});
