import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const useUnicastIgnored = defineRule({
  id: 'use-unicast-ignored',
  summary: '`OPENSHIFT_HA_USE_UNICAST`, which the image never reads',
  check: eachDeployment((deployment) =>
    deployment.env.has('OPENSHIFT_HA_USE_UNICAST')
      ? [
          envIssue(
            deployment,
            'OPENSHIFT_HA_USE_UNICAST',
            'is read by nothing in the image; unicast is on exactly when OPENSHIFT_HA_UNICAST_PEERS is set',
            'Remove it, and set OPENSHIFT_HA_UNICAST_PEERS if you want unicast.',
          ),
        ]
      : [],
  ),
});
