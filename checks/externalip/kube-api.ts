// Loaded only when the Service list is due (checks/externalip/check.ts imports it dynamically): undici
// and TLS cost about half of `node -e 0` per run, which a run with a fresh cache does not pay.
import { setFlagsFromString } from 'node:v8';
import type { Dispatcher } from 'undici';
import { UserError } from '../../core/errors.ts';
import { Agent, describeHttpError, type ResponseBody, readAtMost, request } from '../../core/http-client.ts';
import type { ApiAccess } from './access.ts';
import {
  endpointSlices,
  SERVICE_NAME_LABEL,
  type ServiceOnVips,
  ShapeError,
  servicesOnVips,
  withEndpoints,
} from './inventory.ts';

// As in the http-check: V8's optimising tier for undici's WebAssembly HTTP parser never pays off in
// a process this short. It must be set before the first connection compiles the parser.
setFlagsFromString('--liftoff-only');

/** What to list: the namespaces (all when undefined) and the label selector's canonical text. */
export interface ListQuery {
  readonly namespaces: readonly string[] | undefined;
  readonly selector: string | undefined;
}

/** The API could not be asked, or its answer could not be used; the message says which request and why. */
class ApiError extends UserError {}

/** The largest list read: far above 200 Services, well below what would strain a node. */
const MAX_LIST_BYTES = 32 * 1024 * 1024;
/** Enough of an error body for the API's Status message. */
const MAX_ERROR_BYTES = 64 * 1024;

const statusTexts: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** What an SRE does next, by status. */
const statusHints: Readonly<Record<number, string>> = {
  401: 'the API refused the token or client certificate',
  403: 'the ClusterRole and ClusterRoleBinding in deploy/externalip-rbac.yaml grant what this check needs',
  404: 'the API does not serve this resource: EndpointSlices need discovery.k8s.io/v1, Kubernetes 1.21 or newer',
};

function servicesPath(namespace: string | undefined): string {
  return namespace ? `/api/v1/namespaces/${namespace}/services` : '/api/v1/services';
}

function endpointSlicesPath(namespace: string | undefined): string {
  return namespace
    ? `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`
    : '/apis/discovery.k8s.io/v1/endpointslices';
}

/**
 * `resourceVersion=0` lets the API server answer from its watch cache instead of etcd: every node
 * asks, and a list up to a second old is as good as a fresh one to a cache that is kept 30 s.
 */
export function listQuery(labelSelector: string | undefined): string {
  const parameters = new URLSearchParams({ resourceVersion: '0' });
  if (labelSelector !== undefined) parameters.set('labelSelector', labelSelector);
  return parameters.toString();
}

/**
 * Lists the Services (per namespace, or cluster-wide), keeps those on the VIPs, then lists only their
 * EndpointSlices, selected by the `kubernetes.io/service-name` label.
 */
export async function fetchServicesOnVips(
  access: ApiAccess,
  query: ListQuery,
  vips: ReadonlySet<string>,
  signal: AbortSignal,
  step: (activity: string) => void,
): Promise<ServiceOnVips[]> {
  const agent = new Agent({ connect: { ...access.tls }, connections: 4 });
  const get = <T>(path: string, labelSelector: string | undefined, use: (body: unknown) => T) =>
    getJson(agent, access, { path, search: listQuery(labelSelector), signal, step }, use);
  try {
    const scopes = query.namespaces ?? [undefined];
    const serviceLists = await Promise.all(
      scopes.map((namespace) =>
        get(servicesPath(namespace), query.selector, (body) => servicesOnVips(body, vips)),
      ),
    );
    const selected = serviceLists.flat();
    if (selected.length === 0) return [];
    // One request per listed namespace, or one for the cluster: Service names with `in (...)`.
    const namesByScope = new Map<string | undefined, Set<string>>();
    for (const service of selected) {
      const scope = query.namespaces ? service.namespace : undefined;
      namesByScope.set(scope, (namesByScope.get(scope) ?? new Set()).add(service.name));
    }
    const sliceLists = await Promise.all(
      [...namesByScope].map(([scope, names]) =>
        get(
          endpointSlicesPath(scope),
          `${SERVICE_NAME_LABEL} in (${[...names].sort().join(',')})`,
          endpointSlices,
        ),
      ),
    );
    return withEndpoints(selected, sliceLists.flat());
  } finally {
    agent.destroy().catch(() => {});
  }
}

interface Get {
  readonly path: string;
  readonly search: string;
  readonly signal: AbortSignal;
  readonly step: (activity: string) => void;
  /** What a 403 means for this request: which generated RBAC grants it. */
  readonly forbidden?: string;
  /** The largest 200 answer read; MAX_LIST_BYTES unless given. */
  readonly maxBytes?: number;
}

/** A Node as the prober's maintenance switch reads it: its labels and whether it is cordoned. */
export interface NodeState {
  readonly labels: Readonly<Record<string, string>>;
  readonly unschedulable: boolean;
}

/** The largest Node read: a Node object is a few KiB, tens with many images in its status. */
const MAX_NODE_BYTES = 4 * 1024 * 1024;

/** Reads one Node's labels and spec.unschedulable; the shape is checked, anything else is an ApiError. */
function nodeState(body: unknown, name: string): NodeState {
  const object = body as { metadata?: unknown; spec?: unknown } | null;
  const metadata = object?.metadata as { name?: unknown; labels?: unknown } | undefined;
  if (typeof object !== 'object' || object === null || typeof metadata !== 'object' || metadata === null) {
    throw new ShapeError(`a Node named ${name}`, 'got no metadata');
  }
  if (metadata.name !== name) {
    throw new ShapeError(`a Node named ${name}`, `got ${JSON.stringify(String(metadata.name)).slice(0, 80)}`);
  }
  const labels: Record<string, string> = {};
  if (metadata.labels !== undefined && metadata.labels !== null) {
    if (typeof metadata.labels !== 'object' || Array.isArray(metadata.labels)) {
      throw new ShapeError('metadata.labels to be a map', 'got something else');
    }
    for (const [key, value] of Object.entries(metadata.labels)) {
      if (typeof value === 'string') labels[key] = value;
    }
  }
  const spec = object.spec as { unschedulable?: unknown } | undefined;
  const unschedulable = typeof spec === 'object' && spec !== null && spec.unschedulable === true;
  return { labels, unschedulable };
}

/**
 * `GET /api/v1/nodes/NAME`: `get` on nodes is all it needs (a list with a field selector would need
 * `list`). One connection, closed after the answer.
 */
export async function fetchNode(access: ApiAccess, name: string, signal: AbortSignal): Promise<NodeState> {
  const agent = new Agent({ connect: { ...access.tls }, connections: 1 });
  try {
    return await getJson(
      agent,
      access,
      {
        path: `/api/v1/nodes/${encodeURIComponent(name)}`,
        search: '',
        signal,
        step: () => {},
        forbidden:
          'the ClusterRole and ClusterRoleBinding in deploy/maintenance-rbac.yaml grant get on nodes',
        maxBytes: MAX_NODE_BYTES,
      },
      (body) => nodeState(body, name),
    );
  } finally {
    agent.destroy().catch(() => {});
  }
}

/** GETs JSON and hands it to `use`; every failure, `use`'s included, names the request. */
async function getJson<T>(
  dispatcher: Dispatcher,
  access: ApiAccess,
  { path, search, signal, step, forbidden, maxBytes = MAX_LIST_BYTES }: Get,
  use: (body: unknown) => T,
): Promise<T> {
  const prefix = access.server.pathname.replace(/\/+$/, '');
  const label = `Kubernetes API ${access.server.origin}: GET ${prefix}${path}`;
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'ipfailover-toolkit-externalip-check',
  };
  if (access.token !== undefined) headers.authorization = `Bearer ${access.token}`;
  let status = 0;
  let body: string;
  try {
    step(`while waiting for the ${label}`);
    const response = await request.call(dispatcher, {
      origin: access.server.origin,
      path: search === '' ? `${prefix}${path}` : `${prefix}${path}?${search}`,
      method: 'GET',
      headers,
      signal,
    } as Dispatcher.RequestOptions);
    status = response.statusCode;
    step(`while reading the answer of the ${label}`);
    body = await readBody(response.body, status === 200 ? maxBytes : MAX_ERROR_BYTES, status === 200);
  } catch (error) {
    // An abort carries its own reason: the API's share of the deadline, or the deadline itself.
    const reason =
      signal.aborted && signal.reason instanceof Error ? signal.reason.message : describeHttpError(error);
    throw new ApiError(`${label}: ${reason}`);
  }
  if (status !== 200) throw new ApiError(`${label}: ${describeStatus(status, body, forbidden)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ApiError(`${label}: the answer is not valid JSON (${(error as Error).message})`);
  }
  try {
    return use(parsed);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new ApiError(`${label}: ${error.message}`);
  }
}

/** `403 Forbidden: <the Status message> (<what to do>)`. */
function describeStatus(status: number, body: string, forbidden: string | undefined): string {
  let message = '';
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = body.trim().slice(0, 200);
  }
  const hint = status === 403 && forbidden !== undefined ? forbidden : statusHints[status];
  return `${status} ${statusTexts[status] ?? 'unexpected status'}${message ? `: ${message}` : ''}${hint ? ` (${hint})` : ''}`;
}

async function readBody(body: ResponseBody, limit: number, strict: boolean): Promise<string> {
  const { text, truncated } = await readAtMost(body, limit);
  if (truncated && strict) {
    throw new UserError(
      `the answer is larger than ${limit / 1024 / 1024} MiB${limit === MAX_LIST_BYTES ? '; narrow it with IPF_EXTERNALIP_NAMESPACES or IPF_EXTERNALIP_SELECTOR' : ''}`,
    );
  }
  return text;
}
