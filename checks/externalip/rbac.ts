/**
 * The RBAC the externalip-check needs, and nothing more: get and list of Services and of
 * discovery.k8s.io EndpointSlices, cluster-wide (a ClusterRole, since the Services may be in any
 * namespace), bound to the ipfailover pods' service account. deploy/externalip-rbac.yaml is its output
 * (scripts/generate-deploy.ts); test/unit/rbac.test.ts keeps the two equal. Never bundled.
 */

import { clusterRbac } from '../cluster-rbac.ts';

export const RBAC_NAME = 'ipfailover-toolkit-externalip-check';

/** What the check asks the API (checks/externalip/kube-api.ts): lists only, no watch. */
const externalIpRules = [
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list'] },
] as const;

const externalIpRbac = clusterRbac({
  name: RBAC_NAME,
  component: 'externalip-check',
  rules: externalIpRules,
  source: 'checks/externalip/rbac.ts',
  needs: ['What the externalip-check needs: get and list of Services and discovery.k8s.io EndpointSlices.'],
});

export const externalIpClusterRole = externalIpRbac.clusterRole;
export const externalIpClusterRoleBinding = externalIpRbac.clusterRoleBinding;
/** deploy/externalip-rbac.yaml. */
export const externalIpRbacYaml = externalIpRbac.yaml;
