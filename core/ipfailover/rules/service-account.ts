import { POD_SPEC_PATH } from '../deployment.ts';
import { defineRule, eachDeployment } from './rule.ts';

export const serviceAccount = defineRule({
  id: 'service-account',
  summary: 'a pod without a service account of its own',
  check: eachDeployment(({ podSpec }) => {
    const account = podSpec.serviceAccountName ?? podSpec.serviceAccount;
    if (typeof account === 'string' && account !== '' && account !== 'default') return [];
    return [
      {
        path: [...POD_SPEC_PATH, 'serviceAccountName'],
        message:
          'no service account of its own: the privileged and hostnetwork SCCs must not be granted to `default`',
        fix: 'oc create sa ipfailover; oc adm policy add-scc-to-user privileged -z ipfailover; set serviceAccountName: ipfailover.',
      },
    ];
  }),
});
