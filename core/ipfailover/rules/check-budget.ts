import { usesProber } from '../../prober-protocol.ts';
import { envEntry, TOOLKIT_CONTAINERS } from '../deployment.ts';
import { imageVariables } from '../image-env.ts';
import { defineRule, eachDeployment, envIssue } from './rule.ts';

/**
 * Prober mode keeps one time budget: keepalived's timeout (the interval) > verdict.sh's budget (interval
 * − 100 ms) > the probe's deadline (checks/prober, core/prober-protocol.ts). Settings that break the
 * chain: a probe timeout set where verdict.sh runs, which nothing reads there, and a prober container
 * whose own interval differs from keepalived's, so its deadline follows another clock.
 */
export const checkBudget = defineRule({
  id: 'check-budget',
  summary:
    'in prober mode, `IPF_CHECK_TIMEOUT_MS` on the keepalived container, or an `OPENSHIFT_HA_CHECK_INTERVAL` of the prober that differs from keepalived’s',
  check: eachDeployment((deployment) => {
    if (!usesProber(deployment.env.get('OPENSHIFT_HA_CHECK_SCRIPT')?.value.trim() ?? '')) return [];
    const timeout = deployment.env.has('IPF_CHECK_TIMEOUT_MS')
      ? envIssue(
          deployment,
          'IPF_CHECK_TIMEOUT_MS',
          'set in the keepalived container, where verdict.sh runs and nothing reads it: the probe deadline is the prober’s',
          'Move it to the prober’s settings (the ConfigMap ipfailover-toolkit-settings); verdict.sh’s budget is OPENSHIFT_HA_CHECK_INTERVAL − 100 ms.',
        )
      : undefined;
    const interval =
      deployment.env.get('OPENSHIFT_HA_CHECK_INTERVAL')?.value ??
      imageVariables.OPENSHIFT_HA_CHECK_INTERVAL.fallback;
    const intervals = [...deployment.initContainers, ...deployment.containers]
      .filter((container) => container.body.name === TOOLKIT_CONTAINERS.prober)
      .flatMap((container) => {
        const entry = envEntry(container, 'OPENSHIFT_HA_CHECK_INTERVAL');
        if (!entry || typeof entry.value !== 'string' || entry.value.trim() === interval.trim()) return [];
        return [
          {
            path: [...container.path, 'env', entry.index, 'value'],
            message: `OPENSHIFT_HA_CHECK_INTERVAL is ${entry.value} in the ipft-prober container and ${interval} in the keepalived container: the probe deadline would follow another interval than keepalived's timeout`,
            fix: 'Give both containers the same OPENSHIFT_HA_CHECK_INTERVAL (ipft package copies the keepalived container’s).',
          },
        ];
      });
    return [timeout, ...intervals];
  }),
});
