import { readFileSync } from 'node:fs';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  MAINTENANCE_RBAC_NAME,
  maintenanceClusterRole,
  maintenanceClusterRoleBinding,
  maintenanceRbacYaml,
} from '../../checks/prober/rbac.ts';

const committed = () => readFileSync('deploy/maintenance-rbac.yaml', 'utf8');

describe('the prober’s maintenance RBAC', () => {
  it('deploy/maintenance-rbac.yaml is what scripts/generate-deploy.ts writes now', () => {
    expect(committed()).toBe(maintenanceRbacYaml());
  });

  it('grants exactly get on nodes: no list, no watch, no other resource', () => {
    expect(maintenanceClusterRole().toJSON()).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: expect.objectContaining({ name: MAINTENANCE_RBAC_NAME }),
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
    });
  });

  it('binds the role to the ipfailover service account, or the one given', () => {
    expect(maintenanceClusterRoleBinding().toJSON()).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MAINTENANCE_RBAC_NAME },
      subjects: [{ kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' }],
    });
    expect(
      maintenanceClusterRoleBinding({ namespace: 'edge-failover', serviceAccount: 'keepalived' }).toJSON()
        .subjects,
    ).toEqual([{ kind: 'ServiceAccount', name: 'keepalived', namespace: 'edge-failover' }]);
    expect(() => maintenanceClusterRoleBinding({ namespace: 'Edge_Failover' })).toThrow(
      'Expected the namespace option to be a Kubernetes namespace name',
    );
  });

  it('the committed objects validate against the rbac.authorization.k8s.io/v1 schema', () => {
    const documents = parseAllDocuments(committed()).map((document) => document.toJS());
    expect(documents.map((document) => document.kind)).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(() => new ClusterRole(documents[0]).validate()).not.toThrow();
    expect(() => new ClusterRoleBinding(documents[1]).validate()).not.toThrow();
  });
});
