// The RBAC of the externalip-check (checks/externalip/rbac.ts) and of the prober's maintenance switch
// (checks/prober/rbac.ts): one table, since both are built by checks/cluster-rbac.ts and must hold
// the same promises; what differs is the file, the name and what each grants.
import { readFileSync } from 'node:fs';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RbacOptions } from '../../checks/cluster-rbac.ts';
import {
  externalIpClusterRole,
  externalIpClusterRoleBinding,
  externalIpRbacYaml,
  RBAC_NAME,
} from '../../checks/externalip/rbac.ts';
import {
  MAINTENANCE_RBAC_NAME,
  maintenanceClusterRole,
  maintenanceClusterRoleBinding,
  maintenanceRbacYaml,
} from '../../checks/prober/rbac.ts';

interface RbacCase {
  readonly subject: string;
  readonly deployFile: string;
  readonly name: string;
  readonly grants: string;
  readonly rules: readonly object[];
  readonly clusterRole: () => ClusterRole;
  readonly clusterRoleBinding: (options?: RbacOptions) => ClusterRoleBinding;
  readonly yaml: () => string;
}

const cases: readonly RbacCase[] = [
  {
    subject: 'the externalip-check’s RBAC',
    deployFile: 'deploy/externalip-rbac.yaml',
    name: RBAC_NAME,
    grants: 'get and list of services and discovery.k8s.io endpointslices',
    rules: [
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list'] },
    ],
    clusterRole: externalIpClusterRole,
    clusterRoleBinding: externalIpClusterRoleBinding,
    yaml: externalIpRbacYaml,
  },
  {
    subject: 'the prober’s maintenance RBAC',
    deployFile: 'deploy/maintenance-rbac.yaml',
    name: MAINTENANCE_RBAC_NAME,
    grants: 'exactly get on nodes: no list, no watch, no other resource',
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
    clusterRole: maintenanceClusterRole,
    clusterRoleBinding: maintenanceClusterRoleBinding,
    yaml: maintenanceRbacYaml,
  },
];

describe.each(cases)('$subject', (rbac) => {
  const committed = () => readFileSync(rbac.deployFile, 'utf8');

  it(`${rbac.deployFile} is what scripts/generate-deploy.ts writes now`, () => {
    expect(committed()).toBe(rbac.yaml());
  });

  it(`grants ${rbac.grants}, and nothing more`, () => {
    expect(rbac.clusterRole().toJSON()).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: expect.objectContaining({ name: rbac.name }),
      rules: rbac.rules,
    });
  });

  it('binds the role to the ipfailover service account, or the one given', () => {
    expect(rbac.clusterRoleBinding().toJSON()).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: rbac.name },
      subjects: [{ kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' }],
    });
    expect(
      rbac.clusterRoleBinding({ namespace: 'edge-failover', serviceAccount: 'keepalived' }).toJSON().subjects,
    ).toEqual([{ kind: 'ServiceAccount', name: 'keepalived', namespace: 'edge-failover' }]);
  });

  it('the committed objects validate against the rbac.authorization.k8s.io/v1 schema', () => {
    const documents = parseAllDocuments(committed()).map((document) => document.toJS());
    expect(documents.map((document) => document.kind)).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(() => new ClusterRole(documents[0]).validate()).not.toThrow();
    expect(() => new ClusterRoleBinding(documents[1]).validate()).not.toThrow();
    // The same validation catches a broken object.
    expect(() => new ClusterRoleBinding({ metadata: { name: 'x' } } as never).validate()).toThrow();
  });

  it('refuses names Kubernetes would refuse', () => {
    expect(() => rbac.clusterRoleBinding({ namespace: 'Edge_Failover' })).toThrow(
      'Expected the namespace option to be a Kubernetes namespace name (DNS-1123 label), got "Edge_Failover"',
    );
    expect(() => rbac.clusterRoleBinding({ serviceAccount: 'a b' })).toThrow(
      'Expected the serviceAccount option to be a service account name (DNS-1123 subdomain), got "a b"',
    );
  });
});
