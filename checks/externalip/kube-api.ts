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
}

/** GETs JSON and hands it to `use`; every failure, `use`'s included, names the request. */
async function getJson<T>(
  dispatcher: Dispatcher,
  access: ApiAccess,
  { path, search, signal, step }: Get,
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
      path: `${prefix}${path}?${search}`,
      method: 'GET',
      headers,
      signal,
    } as Dispatcher.RequestOptions);
    status = response.statusCode;
    step(`while reading the answer of the ${label}`);
    body = await readBody(response.body, status === 200 ? MAX_LIST_BYTES : MAX_ERROR_BYTES, status === 200);
  } catch (error) {
    // An abort carries its own reason: the API's share of the deadline, or the deadline itself.
    const reason =
      signal.aborted && signal.reason instanceof Error ? signal.reason.message : describeHttpError(error);
    throw new ApiError(`${label}: ${reason}`);
  }
  if (status !== 200) throw new ApiError(`${label}: ${describeStatus(status, body)}`);
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
function describeStatus(status: number, body: string): string {
  let message = '';
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = body.trim().slice(0, 200);
  }
  const hint = statusHints[status];
  return `${status} ${statusTexts[status] ?? 'unexpected status'}${message ? `: ${message}` : ''}${hint ? ` (${hint})` : ''}`;
}

async function readBody(body: ResponseBody, limit: number, strict: boolean): Promise<string> {
  const { text, truncated } = await readAtMost(body, limit);
  if (truncated && strict) {
    throw new UserError(
      `the answer is larger than ${limit / 1024 / 1024} MiB; narrow it with IPF_EXTERNALIP_NAMESPACES or IPF_EXTERNALIP_SELECTOR`,
    );
  }
  return text;
}
