import { defineRule, eachDeployment } from './rule.ts';

export const tooFewReplicas = defineRule({
  id: 'replicas',
  summary: 'fewer than 2 replicas',
  check: eachDeployment(({ replicas }) =>
    replicas < 2
      ? [
          {
            path: ['spec', 'replicas'],
            message: `spec.replicas is ${replicas}: ${replicas === 1 ? 'with one node there is nothing to fail over to' : 'no pod runs, so no node holds the VIPs'}`,
            fix: 'Select at least two nodes and set replicas to their number (the product docs’ rule for production).',
          },
        ]
      : [],
  ),
});
