import { defineRule, eachDeployment } from './rule.ts';

export const tooFewReplicas = defineRule({
  id: 'replicas',
  summary: 'fewer than 2 replicas',
  check: eachDeployment(({ replicas }) =>
    replicas < 2
      ? [
          {
            path: ['spec', 'replicas'],
            message: `spec.replicas is ${replicas}: with one node there is nothing to fail over to`,
            fix: 'Select at least two nodes and set replicas to their number (the product docs’ rule for production).',
          },
        ]
      : [],
  ),
});
