import { counted } from '../../plural.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const tooManyInstances = defineRule({
  id: 'too-many-instances',
  summary: 'more than 254 VRRP instances in one deployment',
  check: eachDeployment((deployment) => {
    const { length } = deployment.instances;
    return length > 254
      ? [
          envIssue(
            deployment,
            'OPENSHIFT_HA_VIRTUAL_IPS',
            `makes ${counted(length, 'VRRP instance')}; IP failover supports at most 254`,
            'Set OPENSHIFT_HA_VIP_GROUPS so that several VIPs share one instance.',
          ),
        ]
      : [];
  }),
});
