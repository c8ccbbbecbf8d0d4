import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const preemption = defineRule({
  id: 'preemption',
  summary: 'an `OPENSHIFT_HA_PREEMPTION` keepalived does not take',
  check: eachDeployment((deployment) => {
    const value = deployment.settings.preemption;
    if (isValidPreemption(value)) return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_PREEMPTION',
        value.startsWith('preempt_nodelay')
          ? `"${value}" comes from the docs, but preempt_nodelay is not a keepalived keyword`
          : `"${value}" is pasted into every instance, and keepalived does not take it`,
        'Use "preempt_delay N" (N from 0 to 1000 seconds) or "nopreempt".',
      ),
    ];
  }),
});

function isValidPreemption(value: string): boolean {
  const match = /^preempt_delay\s+(\d+)$/.exec(value.trim());
  return value.trim() === 'nopreempt' || (match !== null && Number(match[1]) <= 1000);
}
