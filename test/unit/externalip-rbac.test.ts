import { readFileSync } from 'node:fs';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  externalIpClusterRole,
  externalIpClusterRoleBinding,
  externalIpRbacYaml,
  RBAC_NAME,
} from '../../checks/externalip/rbac.ts';

const committed = () => readFileSync('deploy/externalip-rbac.yaml', 'utf8');

describe('the externalip-check’s RBAC', () => {
  it('deploy/externalip-rbac.yaml is what scripts/generate-deploy.ts writes now', () => {
    expect(committed()).toBe(externalIpRbacYaml());
  });

  it('grants get and list of services and discovery.k8s.io endpointslices, and nothing more', () => {
    expect(externalIpClusterRole().toJSON()).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: expect.objectContaining({ name: RBAC_NAME }),
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list'] },
      ],
    });
  });

  it('binds the role to the ipfailover service account', () => {
    expect(externalIpClusterRoleBinding().toJSON()).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RBAC_NAME },
      subjects: [{ kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' }],
    });
    expect(
      externalIpClusterRoleBinding({ namespace: 'edge-failover', serviceAccount: 'keepalived' }).toJSON()
        .subjects,
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
    expect(() => externalIpClusterRoleBinding({ namespace: 'Edge_Failover' })).toThrow(
      'Expected the namespace option to be a Kubernetes namespace name (DNS-1123 label), got "Edge_Failover"',
    );
    expect(() => externalIpClusterRoleBinding({ serviceAccount: 'a b' })).toThrow(
      'Expected the serviceAccount option to be a service account name (DNS-1123 subdomain), got "a b"',
    );
  });
});
