import { isRecord } from '../../records.ts';
import { defineRule, eachDeployment } from './rule.ts';

const FIX =
  'Set spec.strategy to {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}} (ipft package does): one node at a time, and a pod that cannot start stalls the rollout with one node out while the others keep the VIPs.';

/** An IntOrString of rollingUpdate as the controller resolves it: a percent of replicas, up for surge, down for unavailable. */
function resolve(value: unknown, replicas: number, round: (n: number) => number): number | undefined {
  if (typeof value === 'number') return value;
  const percent = typeof value === 'string' ? /^([0-9]+)%$/.exec(value) : null;
  return percent ? round((Number(percent[1]) * replicas) / 100) : undefined;
}

/**
 * The rollout of an ipfailover Deployment. `Recreate` stops every pod before it starts any: at each
 * rollout no node holds the VIPs until keepalived is back. A RollingUpdate whose maxSurge resolves
 * above 0 and maxUnavailable to 0 never gets going where the node selector picks no spare node: the
 * pods use hostNetwork and declare ports (hostPort is the containerPort), so the surge pod fits on no
 * node that runs one and stays Pending, and no old pod may go first. A surge with maxUnavailable of 1
 * or more is left alone: the rollout proceeds (the surge pod waits for a node to free up, or takes a
 * spare one). A manifest without a strategy is left alone too: the API server gives it RollingUpdate
 * 25 %/25 %, which deadlocks the same way below 4 replicas, but `oc get -o yaml` always prints the
 * strategy it stored, so this is a hand-written file.
 */
export const rolloutStrategy = defineRule({
  id: 'rollout-strategy',
  summary:
    '`strategy: Recreate`, or a RollingUpdate with a surge and no pod allowed unavailable, on hostNetwork pods',
  check: eachDeployment(({ object, podSpec, replicas }) => {
    const spec = isRecord(object.body.spec) ? object.body.spec : {};
    const strategy = spec.strategy;
    if (!isRecord(strategy) || podSpec.hostNetwork !== true) return [];
    if (strategy.type === 'Recreate') {
      return [
        {
          path: ['spec', 'strategy', 'type'],
          message:
            'strategy is Recreate: every pod stops before any starts, so at each rollout (an upgrade, a changed setting, oc rollout restart) no node holds the VIPs until keepalived is back',
          fix: FIX,
        },
      ];
    }
    if (strategy.type !== undefined && strategy.type !== 'RollingUpdate') return [];
    const rolling = isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    const surge = resolve(rolling.maxSurge ?? '25%', replicas, Math.ceil);
    const unavailable = resolve(rolling.maxUnavailable ?? '25%', replicas, Math.floor);
    if (surge === undefined || unavailable === undefined || !(surge > 0 && unavailable === 0)) return [];
    return [
      {
        path: ['spec', 'strategy', 'rollingUpdate'],
        message: `RollingUpdate resolves to maxSurge ${surge} and maxUnavailable 0 for ${replicas} replicas: the pods use hostNetwork, so a surge pod fits on no node that runs one, and with no spare node the rollout waits for it forever`,
        fix: FIX,
      },
    ];
  }),
});
