import { isRecord } from '../../records.ts';
import { defineRule, eachDeployment } from './rule.ts';

export const privileged = defineRule({
  id: 'privileged',
  summary: 'a keepalived container that is not privileged',
  check: eachDeployment(({ keepalived }) => {
    const securityContext = isRecord(keepalived.body.securityContext) ? keepalived.body.securityContext : {};
    if (securityContext.privileged === true) return [];
    return [
      {
        path: [...keepalived.path, 'securityContext', 'privileged'],
        message: 'the keepalived container is not privileged: it cannot add VIPs or send VRRP',
        fix: 'Set securityContext.privileged: true on the container (and allow the privileged SCC for its service account).',
      },
    ];
  }),
});
