import { defineRule, eachDeployment, envIssue } from './rule.ts';

export const ovnInterface = defineRule({
  id: 'ovn-interface',
  summary: 'an interface other than `br-ex` on OVN-Kubernetes',
  check: eachDeployment((deployment, { networkType }) => {
    const configured = deployment.settings.networkInterface;
    if (networkType !== 'ovn-kubernetes' || configured === 'br-ex') return [];
    return [
      envIssue(
        deployment,
        'OPENSHIFT_HA_NETWORK_INTERFACE',
        `is ${configured ? `"${configured}"` : 'unset (auto-detected)'}, but on OVN-Kubernetes the node IP lives on br-ex`,
        'Set OPENSHIFT_HA_NETWORK_INTERFACE to "br-ex".',
      ),
    ];
  }),
});
