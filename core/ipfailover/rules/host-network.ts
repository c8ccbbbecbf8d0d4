import { POD_SPEC_PATH } from '../deployment.ts';
import { defineRule, eachDeployment } from './rule.ts';

export const hostNetwork = defineRule({
  id: 'host-network',
  summary: 'a pod without `hostNetwork: true`',
  check: eachDeployment(({ podSpec }) =>
    podSpec.hostNetwork === true
      ? []
      : [
          {
            path: [...POD_SPEC_PATH, 'hostNetwork'],
            message:
              'hostNetwork is not true: keepalived would put the VIPs into the pod’s own network namespace',
            fix: 'Set spec.template.spec.hostNetwork: true.',
          },
        ],
  ),
});
