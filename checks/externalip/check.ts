import { describeError, SettingError } from '../../core/errors.ts';
import { type HostNetwork, readHostNetwork } from '../../core/ipfailover/node.ts';
import { findNodeIp } from '../../core/node-target.ts';
import { type Check, failed, type ProbeContext, type ProbeResult } from '../../core/probe.ts';
import { invalid, quote } from '../../core/settings.ts';
import {
  AccessError,
  type ApiAccess,
  readInClusterAccess,
  readKubeconfigAccess,
  SERVICE_ACCOUNT_DIR,
} from './access.ts';
import {
  ageSeconds,
  type CachedList,
  cacheKey,
  cachePath,
  isFresh,
  isUsableWhenApiFails,
  readCache,
  writeCache,
} from './cache.ts';
import type { ServiceOnVips } from './inventory.ts';
import type { ListQuery } from './kube-api.ts';
import { HEALTH_PATH, planProbes, runPlan } from './probes.ts';
import { externalIpSettings } from './settings.ts';

export interface ExternalIpConfig {
  readonly access: ApiAccess;
  /** Canonical VIPs of this deployment, and the raw setting for --validate. */
  readonly vips: ReadonlySet<string>;
  readonly vipSetting: string;
  readonly query: ListQuery;
  readonly cacheFile: string;
  readonly cacheKey: string;
  readonly cacheSeconds: number;
  readonly staleSeconds: number;
  /** The API's share of the deadline; past it the API counts as unreachable and the cache is used. */
  readonly apiBudgetMs: number;
  readonly deadlineMs: number;
  readonly healthHost: string;
  readonly nodeIp: string;
  readonly nodeIpOrigin: string;
}

export interface ExternalIpCheckOptions {
  /** Where the in-cluster token and CA are; tests point it at their own. */
  readonly serviceAccountDir?: string;
}

/** The node IP for the NodePort probes: the override, else as the image finds it (core/node-target.ts). */
export function resolveNodeIp(
  override: string | undefined,
  configuredInterface: string | undefined,
  network: () => HostNetwork = readHostNetwork,
): { address: string; origin: string } {
  if (override !== undefined) return { address: override, origin: 'IPF_EXTERNALIP_NODE_IP' };
  return findNodeIp(configuredInterface ?? '', network());
}

/** Time kept between the end of the probes' window and the runner's deadline. */
const PROBE_MARGIN_MS = 200;

/** When unanswered probes count as failed, from now: before the runner's deadline. */
function probeWindowMs(remainingMs: number): number {
  return Math.max(1, remainingMs - Math.min(PROBE_MARGIN_MS, Math.floor(remainingMs / 4)));
}

const KUBECONFIG_EXPECTED =
  'a kubeconfig in JSON (`oc config view --minify --flatten --raw -o json`; YAML is not read) whose current context has an https:// server and a token, tokenFile or client certificate and key';

function describeVips(vips: ReadonlySet<string>): string {
  const all = [...vips];
  return all.length <= 6 ? all.join(', ') : `${all.slice(0, 3).join(', ')} … ${all.at(-1)}`;
}

const formatAge = (seconds: number): string =>
  Number.isFinite(seconds) ? `${Math.round(seconds)} s old` : 'dated in the future (the clock went back)';

export function createExternalIpCheck(
  options: ExternalIpCheckOptions = {},
): Check<typeof externalIpSettings, ExternalIpConfig> {
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  return {
    name: 'externalip-check',
    settings: externalIpSettings,

    configure(values, run) {
      const problems: string[] = [];
      const vipSetting = values.OPENSHIFT_HA_VIRTUAL_IPS?.text ?? '';
      const vips = values.OPENSHIFT_HA_VIRTUAL_IPS?.vips ?? new Set<string>();
      if (vips.size === 0) {
        problems.push(
          invalid(
            'OPENSHIFT_HA_VIRTUAL_IPS',
            'at least one VIP as the image expands them, such as 192.168.132.1-254 (the Services on the VIPs are what this check probes)',
            quote(vipSetting),
          ),
        );
      }
      if (values.IPF_EXTERNALIP_STALE_S < values.IPF_EXTERNALIP_CACHE_S) {
        problems.push(
          invalid(
            'IPF_EXTERNALIP_STALE_S',
            `at least IPF_EXTERNALIP_CACHE_S (${values.IPF_EXTERNALIP_CACHE_S}): the list is renewed after IPF_EXTERNALIP_CACHE_S and, while the API fails, used up to IPF_EXTERNALIP_STALE_S`,
            quote(String(values.IPF_EXTERNALIP_STALE_S)),
          ),
        );
      }
      let access: ApiAccess | undefined;
      if (values.IPF_KUBECONFIG) {
        const { path, contents } = values.IPF_KUBECONFIG;
        try {
          access = readKubeconfigAccess(path, contents.toString('utf8'));
        } catch (error) {
          if (!(error instanceof AccessError)) throw error;
          problems.push(invalid('IPF_KUBECONFIG', KUBECONFIG_EXPECTED, `${quote(path)} (${error.message})`));
        }
      } else {
        const host = values.KUBERNETES_SERVICE_HOST;
        const port = values.KUBERNETES_SERVICE_PORT;
        if (host === undefined || port === undefined) {
          const missing = host === undefined ? 'KUBERNETES_SERVICE_HOST' : 'KUBERNETES_SERVICE_PORT';
          problems.push(
            invalid(
              missing,
              'the value Kubernetes sets in every pod, or IPF_KUBECONFIG outside a cluster',
              'nothing',
            ),
          );
        } else {
          try {
            access = readInClusterAccess(host, port, serviceAccountDir);
          } catch (error) {
            if (!(error instanceof AccessError)) throw error;
            problems.push(
              invalid(
                'service account',
                `the token and ca.crt Kubernetes mounts in every pod (unless automountServiceAccountToken is false), or IPF_KUBECONFIG outside a cluster`,
                error.message,
              ),
            );
          }
        }
      }
      if (problems.length > 0 || !access) throw new SettingError(problems);

      const deadline = run.deadlineMs;
      const query: ListQuery = {
        namespaces: values.IPF_EXTERNALIP_NAMESPACES,
        selector: values.IPF_EXTERNALIP_SELECTOR?.text,
      };
      const nodeIp = resolveNodeIp(values.IPF_EXTERNALIP_NODE_IP, values.OPENSHIFT_HA_NETWORK_INTERFACE);
      return {
        access,
        vips,
        vipSetting,
        query,
        cacheFile: cachePath(run.stateDir),
        cacheKey: cacheKey({ server: access.server.href, ...query, vips }),
        cacheSeconds: values.IPF_EXTERNALIP_CACHE_S,
        staleSeconds: values.IPF_EXTERNALIP_STALE_S,
        apiBudgetMs: Math.max(1, Math.floor(deadline / 2)),
        deadlineMs: deadline,
        healthHost: values.IPF_EXTERNALIP_HEALTH_HOST,
        nodeIp: nodeIp.address,
        nodeIpOrigin: nodeIp.origin,
      };
    },

    describe(config) {
      const scope = config.query.namespaces
        ? `namespaces ${config.query.namespaces.join(', ')}`
        : 'all namespaces';
      return [
        `API: ${config.access.server.origin}${config.access.server.pathname.replace(/\/$/, '')}, from ${config.access.origin}`,
        `Services: spec.externalIPs or status.loadBalancer.ingress[].ip among the ${config.vips.size} VIPs ${describeVips(config.vips)} (OPENSHIFT_HA_VIRTUAL_IPS=${config.vipSetting}); ${scope}; selector ${config.query.selector ?? '(none)'}`,
        `cache: ${config.cacheFile}, renewed after ${config.cacheSeconds} s, used for up to ${config.staleSeconds} s while the API fails; the API gets ${config.apiBudgetMs} ms (half the deadline)`,
        `each Service port: a ready endpoint (EndpointSlices); TCP ports: externalTrafficPolicy Local with a healthCheckNodePort: GET http://${config.healthHost}:<healthCheckNodePort>${HEALTH_PATH} answers 200, otherwise a TCP connection to each external IP on the port; with a nodePort: a TCP connection to ${config.nodeIp} (${config.nodeIpOrigin}) on it`,
        'UDP and SCTP ports are skipped by the network probes: only their ready endpoints are checked',
      ];
    },

    async probe(config, context) {
      const now = Date.now();
      const window = new AbortController();
      const timer = setTimeout(
        () => window.abort(new Error(`no answer before the check’s deadline (${config.deadlineMs} ms)`)),
        probeWindowMs(context.remainingMs()),
      );
      try {
        return await probeServices(config, context, now, window.signal);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function probeServices(
  config: ExternalIpConfig,
  context: ProbeContext,
  now: number,
  window: AbortSignal,
): Promise<ProbeResult> {
  const listed = await listServices(config, context, now);
  if (!listed.ok) return listed.result;
  const { services, origin } = listed;
  if (services.length === 0) {
    const namespaces = config.query.namespaces ? ` in namespaces ${config.query.namespaces.join(', ')}` : '';
    const labels = config.query.selector ? ` with labels ${config.query.selector}` : '';
    return failed(
      `no Service has an external IP or load-balancer IP among the ${config.vips.size} VIPs ${describeVips(config.vips)}${namespaces}${labels}${origin}`,
    );
  }
  const plan = planProbes(services, { healthHost: config.healthHost, nodeIp: config.nodeIp });
  const result = await runPlan(plan, context, window);
  return result.ok || origin === '' ? result : failed(`${result.reason}${origin}`);
}

type Listed =
  | { readonly ok: true; readonly services: readonly ServiceOnVips[]; readonly origin: string }
  | { readonly ok: false; readonly result: ProbeResult };

/**
 * The Services to probe: from a fresh cache, else from the API (and then cached), else from a cache
 * within IPF_EXTERNALIP_STALE_S, saying so in `origin`; else the check fails closed.
 */
async function listServices(config: ExternalIpConfig, context: ProbeContext, now: number): Promise<Listed> {
  const cached = readCache(config.cacheFile, config.cacheKey);
  if (cached && isFresh(cached, now, config.cacheSeconds))
    return { ok: true, services: cached.services, origin: '' };
  const answer = await askApi(config, context);
  if (answer.ok) {
    // A cache that cannot be written costs API requests, not the verdict; the runner reports the state directory.
    writeCache(config.cacheFile, {
      version: 1,
      key: config.cacheKey,
      fetchedAt: Date.now(),
      services: answer.services,
    });
    return { ok: true, services: answer.services, origin: '' };
  }
  if (isUsableWhenApiFails(cached, now, config.staleSeconds)) {
    const age = formatAge(ageSeconds(cached, now));
    return {
      ok: true,
      services: cached.services,
      origin: ` (Service list from the cache, ${age}, because ${answer.problem})`,
    };
  }
  return { ok: false, result: failClosed(answer.problem, cached, now, config) };
}

function failClosed(
  problem: string,
  cached: CachedList | undefined,
  now: number,
  config: ExternalIpConfig,
): ProbeResult {
  const cache = cached
    ? `the cached Service list is ${formatAge(ageSeconds(cached, now))}, past IPF_EXTERNALIP_STALE_S=${config.staleSeconds}`
    : 'no cached Service list';
  return failed(`${problem}; ${cache}: failing closed`);
}

type ApiAnswer = { ok: true; services: ServiceOnVips[] } | { ok: false; problem: string };

/** Asks the API within its share of the deadline; every way it can fail becomes a problem text. */
async function askApi(config: ExternalIpConfig, context: ProbeContext): Promise<ApiAnswer> {
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new Error(`no answer within ${config.apiBudgetMs} ms (half the check’s deadline)`)),
    config.apiBudgetMs,
  );
  try {
    const { fetchServicesOnVips } = await import('./kube-api.ts');
    const signal = AbortSignal.any([context.signal, budget.signal]);
    return {
      ok: true,
      services: await fetchServicesOnVips(config.access, config.query, config.vips, signal, context.step),
    };
  } catch (error) {
    return { ok: false, problem: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

export const externalIpCheck = createExternalIpCheck();
