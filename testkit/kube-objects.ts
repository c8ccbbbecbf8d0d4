// Services and EndpointSlices as the Kubernetes API returns them, built with kubernetes-models and
// validated against the API's own schema, so the fake API serves documented shapes, not guesses.
import { EndpointSlice, type IEndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import { type INode, Node } from 'kubernetes-models/v1/Node';
import { type IService, Service } from 'kubernetes-models/v1/Service';

export interface PortSpec {
  readonly port: number;
  readonly name?: string;
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  readonly nodePort?: number;
}

export interface ServiceSpec {
  readonly namespace?: string;
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly externalIPs?: readonly string[];
  /** Makes it a LoadBalancer Service with these addresses in status.loadBalancer.ingress. */
  readonly loadBalancerIPs?: readonly string[];
  /** externalTrafficPolicy: Local; a LoadBalancer Service then has a healthCheckNodePort. */
  readonly healthCheckNodePort?: number;
  readonly local?: boolean;
  readonly ports: readonly PortSpec[];
}

let uid = 0;
const metadata = (namespace: string, name: string, labels?: Record<string, string>) => {
  uid++;
  return {
    namespace,
    name,
    uid: `0c9e7f4a-5b1d-4e2a-9f3c-${String(uid).padStart(12, '0')}`,
    resourceVersion: String(100_000 + uid),
    creationTimestamp: '2026-11-20T08:00:00Z',
    ...(labels ? { labels } : {}),
  };
};

export function service(spec: ServiceSpec): IService {
  const namespace = spec.namespace ?? 'web';
  const loadBalancer = spec.loadBalancerIPs !== undefined || spec.healthCheckNodePort !== undefined;
  const local = spec.local ?? spec.healthCheckNodePort !== undefined;
  const object = new Service({
    metadata: metadata(namespace, spec.name, { app: spec.name, ...spec.labels }),
    spec: {
      type: loadBalancer
        ? 'LoadBalancer'
        : spec.ports.some((port) => port.nodePort)
          ? 'NodePort'
          : 'ClusterIP',
      selector: { app: spec.name },
      clusterIP: `172.30.${uid % 250}.${(uid * 7) % 250}`,
      clusterIPs: [`172.30.${uid % 250}.${(uid * 7) % 250}`],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ...(spec.externalIPs ? { externalIPs: [...spec.externalIPs] } : {}),
      ...(local || spec.ports.some((port) => port.nodePort) || loadBalancer
        ? { externalTrafficPolicy: local ? ('Local' as const) : ('Cluster' as const) }
        : {}),
      ...(spec.healthCheckNodePort !== undefined ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
      ports: spec.ports.map((port) => ({
        ...(port.name !== undefined ? { name: port.name } : {}),
        protocol: port.protocol ?? 'TCP',
        port: port.port,
        targetPort: 8080,
        ...(port.nodePort !== undefined ? { nodePort: port.nodePort } : {}),
      })),
    },
    status: {
      loadBalancer: spec.loadBalancerIPs ? { ingress: spec.loadBalancerIPs.map((ip) => ({ ip })) } : {},
    },
  });
  object.validate();
  return object.toJSON() as IService;
}

/** One slice of a Service: one endpoint per entry of `ready` (undefined: the condition is unset). */
export function endpointSlice(
  owner: IService,
  ready: readonly (boolean | undefined)[],
  ports: readonly PortSpec[] = (owner.spec?.ports ?? []) as PortSpec[],
): IEndpointSlice {
  const namespace = owner.metadata?.namespace ?? 'web';
  const name = owner.metadata?.name ?? '';
  const object = new EndpointSlice({
    metadata: {
      ...metadata(namespace, `${name}-${uid.toString(36)}`, {
        'kubernetes.io/service-name': name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      }),
      generateName: `${name}-`,
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name,
          uid: owner.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: 'IPv4',
    endpoints: ready.map((isReady, index) => ({
      addresses: [`10.128.${index}.${10 + (uid % 200)}`],
      conditions: isReady === undefined ? {} : { ready: isReady, serving: isReady, terminating: false },
      nodeName: `worker-${index + 1}`,
      targetRef: { kind: 'Pod', namespace, name: `${name}-${index}`, uid: `pod-${uid}-${index}` },
    })),
    ports: ports.map((port) => ({
      ...(port.name !== undefined ? { name: port.name } : { name: '' }),
      port: 8080,
      protocol: port.protocol ?? 'TCP',
    })),
  });
  object.validate();
  return object.toJSON() as IEndpointSlice;
}

/** A Node as `GET /api/v1/nodes/NAME` returns it: labels, a cordon, and the usual status. */
export function node(
  name: string,
  options: { readonly labels?: Record<string, string>; readonly unschedulable?: boolean } = {},
): INode {
  const object = new Node({
    metadata: {
      name,
      uid: '5b0f6a1e-0000-4000-8000-000000000001',
      resourceVersion: '123456',
      labels: { 'kubernetes.io/hostname': name, 'node-role.kubernetes.io/worker': '', ...options.labels },
    },
    spec: {
      ...(options.unschedulable ? { unschedulable: true } : {}),
      ...(options.unschedulable
        ? { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }
        : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.0.2.10' }],
    },
  });
  object.validate();
  return object.toJSON() as INode;
}

export function serviceList(items: readonly IService[]) {
  return { kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: '123456' }, items };
}

export function endpointSliceList(items: readonly IEndpointSlice[]) {
  return {
    kind: 'EndpointSliceList',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: { resourceVersion: '123456' },
    items,
  };
}

/** The API's error body, as apimachinery writes it. */
export function status(code: number, reason: string, message: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: {},
    code,
  };
}
