/**
 * The RBAC the prober's maintenance switch needs (IPF_MAINTENANCE_LABEL, IPF_FOLLOW_CORDON), and
 * nothing more: `get` on `nodes`. Nodes are cluster-scoped, so a ClusterRole and a ClusterRoleBinding,
 * made by checks/cluster-rbac.ts as the externalip-check's are. The prober reads its own Node with
 * `GET /api/v1/nodes/NAME` (checks/externalip/kube-api.ts fetchNode), which needs `get` only; a list
 * with a field selector would need `list`, which is every Node at once.
 *
 * RBAC cannot narrow it to the pod's own Node: resourceNames is fixed in the role, and every pod of
 * the Deployment shares the service account, so each can get every Node (labels, taints, addresses,
 * capacity; no Secrets). deploy/maintenance-rbac.yaml is its output (scripts/generate-deploy.ts);
 * test/unit/rbac.test.ts keeps the two equal. Never bundled.
 */

import { clusterRbac } from '../cluster-rbac.ts';

export const MAINTENANCE_RBAC_NAME = 'ipfailover-toolkit-maintenance';

/** What the prober asks the API about its Node: one GET of the named object, no list, no watch. */
const maintenanceRules = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] as const;

const maintenanceRbac = clusterRbac({
  name: MAINTENANCE_RBAC_NAME,
  component: 'prober-maintenance',
  rules: maintenanceRules,
  source: 'checks/prober/rbac.ts',
  needs: [
    'What the prober needs with IPF_MAINTENANCE_LABEL=true or IPF_FOLLOW_CORDON=true: get on nodes (GET /api/v1/nodes/NODE_NAME).',
    'RBAC cannot narrow it to the pod’s own Node: the service account can get every Node.',
  ],
});

export const maintenanceClusterRole = maintenanceRbac.clusterRole;
export const maintenanceClusterRoleBinding = maintenanceRbac.clusterRoleBinding;
/** deploy/maintenance-rbac.yaml. */
export const maintenanceRbacYaml = maintenanceRbac.yaml;
