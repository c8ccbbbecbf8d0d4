import { usesProber } from '../../prober-protocol.ts';
import { envEntry, podContainer, TOOLKIT_CONTAINERS } from '../deployment.ts';
import { imageVariables } from '../image-env.ts';
import { defineRule, eachDeployment } from './rule.ts';

/**
 * Prober mode keeps one time budget: keepalived's timeout (the interval) > verdict.sh's budget (interval
 * − 100 ms) > the probe's deadline (checks/prober, core/prober-protocol.ts). A prober container whose
 * own interval differs from keepalived's breaks the chain: its deadline follows another clock. (A probe
 * timeout on the keepalived container is misplaced-setting's: it is a setting on the wrong container.)
 */
export const checkBudget = defineRule({
  id: 'check-budget',
  summary: 'in prober mode, an `OPENSHIFT_HA_CHECK_INTERVAL` of the prober that differs from keepalived’s',
  check: eachDeployment((deployment) => {
    if (!usesProber(deployment.env.get('OPENSHIFT_HA_CHECK_SCRIPT')?.value.trim() ?? '')) return [];
    const interval =
      deployment.env.get('OPENSHIFT_HA_CHECK_INTERVAL')?.value ??
      imageVariables.OPENSHIFT_HA_CHECK_INTERVAL.fallback;
    const prober = podContainer(deployment, TOOLKIT_CONTAINERS.prober);
    const entry = prober && envEntry(prober, 'OPENSHIFT_HA_CHECK_INTERVAL');
    if (!prober || !entry || typeof entry.value !== 'string' || entry.value.trim() === interval.trim())
      return [];
    return [
      {
        path: [...prober.path, 'env', entry.index, 'value'],
        message: `OPENSHIFT_HA_CHECK_INTERVAL is ${entry.value} in the ipft-prober container and ${interval} in the keepalived container: the probe deadline would follow another interval than keepalived's timeout`,
        fix: 'Give both containers the same OPENSHIFT_HA_CHECK_INTERVAL (ipft package copies the keepalived container’s).',
      },
    ];
  }),
});
