import { imageReplicaCount } from '../image-env.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const replicaCount = defineRule({
  id: 'replica-count',
  summary: '`OPENSHIFT_HA_REPLICA_COUNT` ≠ `spec.replicas`',
  check: eachDeployment((deployment) => {
    const effective = imageReplicaCount(deployment.settings.replicaCount);
    if (effective === deployment.replicas) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_REPLICA_COUNT',
        `is ${effective} to the image${deployment.env.has('OPENSHIFT_HA_REPLICA_COUNT') ? '' : ' (its code default; the docs say 2)'}, but spec.replicas is ${deployment.replicas}; the initial masters are spread for the wrong number of nodes`,
        `Set OPENSHIFT_HA_REPLICA_COUNT to "${deployment.replicas}".`,
      ),
    ];
  }),
});
