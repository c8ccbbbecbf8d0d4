/**
 * From the API's ServiceList and EndpointSliceList to what the check probes: the Services on this
 * deployment's VIPs, each port with its count of ready endpoints. Pure; this is also what is cached.
 */
import { UserError } from '../../core/errors.ts';
import { canonicalIp } from '../../core/ip.ts';
import { isRecord } from '../../core/records.ts';

export interface ServicePort {
  readonly port: number;
  /** The Service port's name, '' when unnamed; EndpointSlice ports carry the same name. */
  readonly name: string;
  /** TCP, UDP or SCTP; only TCP is probed over the network. */
  readonly protocol: string;
  readonly nodePort: number | undefined;
  readonly readyEndpoints: number;
  readonly endpoints: number;
}

export interface ServiceOnVips {
  readonly namespace: string;
  readonly name: string;
  /** Its spec.externalIPs and status.loadBalancer.ingress[].ip that are VIPs, canonical, in order. */
  readonly addresses: readonly string[];
  /** externalTrafficPolicy: Local, where only nodes with a ready local endpoint serve the traffic. */
  readonly local: boolean;
  readonly healthCheckNodePort: number | undefined;
  readonly ports: readonly ServicePort[];
}

/** The API answered, but not with what the API documents; `what` names the object. */
export class ShapeError extends UserError {
  constructor(what: string, problem: string) {
    super(`expected ${what}, ${problem}`);
  }
}

interface ListShape {
  readonly items: readonly Record<string, unknown>[];
}

/** An object with an `items` array of objects, as every Kubernetes list is. */
function asList(body: unknown, kind: string): ListShape {
  const what = `a ${kind} (an object with an items array)`;
  if (!isRecord(body)) throw new ShapeError(what, `got ${body === null ? 'null' : typeof body}`);
  if (body.kind === 'Status') {
    throw new ShapeError(what, `got a Status: ${String(body.message ?? body.reason ?? '')}`);
  }
  if (!Array.isArray(body.items)) throw new ShapeError(what, 'got no items array');
  body.items.forEach((item, index) => {
    if (!isRecord(item)) throw new ShapeError(what, `item ${index + 1} is not an object`);
  });
  return { items: body.items as Record<string, unknown>[] };
}

function objectName(item: Record<string, unknown>, kind: string, index: number): [string, string] {
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  const { namespace, name } = metadata;
  if (typeof namespace !== 'string' || typeof name !== 'string' || namespace === '' || name === '') {
    throw new ShapeError(
      `${kind} items with metadata.namespace and metadata.name`,
      `item ${index + 1} has none`,
    );
  }
  return [namespace, name];
}

const isPort = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;

/** The address fields that carry a Service's external addresses: spec.externalIPs and status.loadBalancer.ingress[].ip. */
function addressesOf(item: Record<string, unknown>): string[] {
  const spec = isRecord(item.spec) ? item.spec : {};
  const status = isRecord(item.status) ? item.status : {};
  const loadBalancer = isRecord(status.loadBalancer) ? status.loadBalancer : {};
  const external = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const ingress = Array.isArray(loadBalancer.ingress) ? loadBalancer.ingress : [];
  return [...external, ...ingress.map((entry) => (isRecord(entry) ? entry.ip : undefined))].filter(
    (address): address is string => typeof address === 'string',
  );
}

type SelectedService = Omit<ServiceOnVips, 'ports'> & {
  readonly ports: readonly Omit<ServicePort, 'readyEndpoints' | 'endpoints'>[];
};

/** The Services with an external or load-balancer IP among the VIPs; the API has already filtered by namespace and labels. */
export function servicesOnVips(serviceList: unknown, vips: ReadonlySet<string>): SelectedService[] {
  const selected: SelectedService[] = [];
  asList(serviceList, 'ServiceList').items.forEach((item, index) => {
    const [namespace, name] = objectName(item, 'ServiceList', index);
    const addresses = [
      ...new Set(
        addressesOf(item)
          .map(canonicalIp)
          .filter((address): address is string => address !== undefined && vips.has(address)),
      ),
    ];
    if (addresses.length === 0) return;
    const spec = isRecord(item.spec) ? item.spec : {};
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    selected.push({
      namespace,
      name,
      addresses,
      local: spec.externalTrafficPolicy === 'Local',
      healthCheckNodePort: isPort(spec.healthCheckNodePort) ? spec.healthCheckNodePort : undefined,
      ports: ports.map((port, portIndex) => {
        if (!isRecord(port) || !isPort(port.port)) {
          throw new ShapeError(
            'Service ports with a port number from 1 to 65535',
            `${namespace}/${name} port ${portIndex + 1} has none`,
          );
        }
        return {
          port: port.port,
          name: typeof port.name === 'string' ? port.name : '',
          protocol: typeof port.protocol === 'string' ? port.protocol : 'TCP',
          nodePort: isPort(port.nodePort) ? port.nodePort : undefined,
        };
      }),
    });
  });
  return selected;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** What counts of an EndpointSlice: whose it is, how many of its endpoints are ready, for which ports. */
export interface SliceSummary {
  readonly namespace: string;
  /** Its `kubernetes.io/service-name` label; undefined for a slice no Service owns. */
  readonly service: string | undefined;
  readonly ready: number;
  readonly total: number;
  readonly portNames: readonly string[];
}

/**
 * The items of an EndpointSliceList; throws ShapeError for anything else. `conditions.ready` unset
 * counts as ready: the API documents an unset value as "unknown, to be interpreted as ready", and
 * kube-proxy routes to such endpoints.
 */
export function endpointSlices(sliceList: unknown): SliceSummary[] {
  return asList(sliceList, 'EndpointSliceList').items.map((slice, index) => {
    const [namespace] = objectName(slice, 'EndpointSliceList', index);
    const metadata = slice.metadata as Record<string, unknown>;
    const labels = isRecord(metadata.labels) ? metadata.labels : {};
    const service = labels[SERVICE_NAME_LABEL];
    const endpoints = Array.isArray(slice.endpoints) ? slice.endpoints.filter(isRecord) : [];
    const ports = Array.isArray(slice.ports) ? slice.ports.filter(isRecord) : [];
    return {
      namespace,
      service: typeof service === 'string' ? service : undefined,
      ready: endpoints.filter(
        (endpoint) => !isRecord(endpoint.conditions) || endpoint.conditions.ready !== false,
      ).length,
      total: endpoints.length,
      portNames: ports.map((port) => (typeof port.name === 'string' ? port.name : '')),
    };
  });
}

/** Each Service port with the ready and total endpoints of the slices that list its name. */
export function withEndpoints(
  services: readonly SelectedService[],
  slices: readonly SliceSummary[],
): ServiceOnVips[] {
  const counts = new Map<string, { ready: number; total: number }>();
  const countKey = (namespace: string, service: string, port: string) => `${namespace}/${service}/${port}`;
  for (const slice of slices) {
    if (slice.service === undefined) continue;
    for (const portName of slice.portNames) {
      const key = countKey(slice.namespace, slice.service, portName);
      const count = counts.get(key) ?? { ready: 0, total: 0 };
      counts.set(key, { ready: count.ready + slice.ready, total: count.total + slice.total });
    }
  }
  return services.map((service) => ({
    ...service,
    ports: service.ports.map((port) => {
      const count = counts.get(countKey(service.namespace, service.name, port.name));
      return { ...port, readyEndpoints: count?.ready ?? 0, endpoints: count?.total ?? 0 };
    }),
  }));
}
