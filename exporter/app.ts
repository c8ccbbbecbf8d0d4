import { accessSync, constants, type FSWatcher, watch } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Histogram } from 'prom-client';
import {
  imageMonitorPort,
  imageValue,
  isUsableMonitorPort,
  readImageSettings,
} from '../core/ipfailover/image-env.ts';
import { type InstancePlan, planInstances } from '../core/ipfailover/instances.ts';
import { usesProber } from '../core/prober-protocol.ts';
import type { Env, SettingValues } from '../core/settings.ts';
import { Ingestor } from './ingest.ts';
import { createMetrics, unreachableHistogram } from './metrics.ts';
import { defaultReachIntervalMs, ReachProber } from './reach.ts';
import type { exporterSettings } from './settings.ts';
import { CheckRecords, localAddresses, normalizeAddress } from './sources.ts';
import { WebhookForwarder } from './webhook.ts';

export interface AppOptions {
  readonly settings: SettingValues<typeof exporterSettings>;
  /** The same OPENSHIFT_HA_* environment the ipfailover container has: the instance-to-VIP map. */
  readonly env: Env;
  readonly node: string;
  readonly version: string;
  readonly log: (line: string) => void;
}

/** Concurrent hooks land within this time of each other; one read then sorts them by event time. */
const SETTLE_MS = 50;

/**
 * Who connects: one or two Prometheus servers, the kubelet's probes, now and then someone with curl.
 * Every open connection costs memory whether it sends anything or not, and the container's limit is
 * 192 MiB: 4000 concurrent scrapes took the exporter to 270 MiB. 256 is far more than the need, and
 * all of them scraping 254 instances at once add about 20 MiB. Beyond it node closes each new
 * connection at once, and the timeouts below free the slots a client holds without using them.
 */
const MAX_CONNECTIONS = 256;

const serverLimits = {
  // A connection that neither sends nor reads for this long is closed (a client that never reads its response).
  connectionTimeout: 10_000,
  // A GET has no body: a whole request is a few hundred bytes, sent at once by any real client.
  requestTimeout: 10_000,
  // Node's own default. Prometheus scrapes every 15 s or more, so a kept-alive connection saves little
  // and holds a slot; its client reconnects at no cost.
  keepAliveTimeout: 5_000,
  http: {
    headersTimeout: 5_000,
    // How often node enforces the two timeouts above; its default, 30 s, would let a slow sender keep a
    // slot six times as long.
    connectionsCheckingInterval: 1_000,
  },
};

declare module 'fastify' {
  interface FastifyInstance {
    ingestor: Ingestor;
  }
}

/** The exporter as a fastify app; server.ts only listens. Every route is a GET: nothing on the network writes. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { settings, log } = options;
  const stateDir = settings.IPF_STATE_DIR;
  const image = readImageSettings(options.env);
  const instances = planInstances(image);
  let webhook: WebhookForwarder | undefined;
  const ingestor = new Ingestor({
    stateDir,
    maxBytes: settings.IPF_SPOOL_MAX_BYTES,
    keepRecent: settings.IPF_EXPORTER_RECENT,
    log,
    onTransitions: (transitions) => webhook?.enqueue(transitions),
  });
  const url = settings.IPF_WEBHOOK_URL;
  if (url) {
    webhook = new WebhookForwarder({
      url,
      tokenFile: settings.IPF_WEBHOOK_TOKEN_FILE,
      queueMax: settings.IPF_WEBHOOK_QUEUE_MAX,
      ingestor,
      log,
    });
  }
  const checkRecords = new CheckRecords(stateDir, log);
  const reach = reachProber(
    options,
    instances,
    () => readinessProblems(ingestor, stateDir, settings.IPF_SPOOL_POLL_MS).length === 0,
  );
  const scrapeCache = createMetrics({
    ingestor,
    instances,
    checkRecords,
    node: options.node,
    version: options.version,
    webhookQueue: () => webhook?.queueLength() ?? 0,
    prober: usesProber(image.checkScript) ? { stateDir } : undefined,
    reach,
  });

  const app = Fastify({ logger: false, ...serverLimits });
  app.server.maxConnections = MAX_CONNECTIONS;
  // At the bound, connections kept alive between requests give way: otherwise clients that hold
  // their slots idle would leave none for the kubelet's /healthz until keepAliveTimeout passed.
  app.server.on('drop', () => app.server.closeIdleConnections());
  app.decorate('ingestor', ingestor);

  let closed = false;
  let continuation: NodeJS.Immediate | undefined;
  const ingestNow = () => {
    if (closed) return;
    ingestor.ingest();
    // A read stops at its size bound so requests are answered in between; the rest follows on the
    // next turn of the event loop, not at the next poll.
    if (ingestor.more && !continuation) {
      continuation = setImmediate(() => {
        continuation = undefined;
        ingestNow();
      });
    }
  };
  let settleTimer: NodeJS.Timeout | undefined;
  const ingestSoon = () => {
    if (settleTimer) return;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      ingestNow();
    }, SETTLE_MS);
  };
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    ingestNow();
    webhook?.start();
    try {
      watcher = watch(stateDir, ingestSoon);
      watcher.on('error', (error) => log(`fs.watch on ${stateDir} failed (${error.message}); polling only`));
    } catch (error) {
      log(`fs.watch on ${stateDir} is not available (${(error as Error).message}); polling only`);
    }
    poller = setInterval(ingestNow, settings.IPF_SPOOL_POLL_MS);
    poller.unref();
    reach?.prober.start();
  });
  app.addHook('onClose', async () => {
    closed = true;
    watcher?.close();
    clearInterval(poller);
    clearTimeout(settleTimer);
    clearImmediate(continuation);
    webhook?.close();
    await reach?.prober.close();
    ingestor.close();
  });

  // Liveness first: it reads nothing, so it is answered whatever the state directory holds.
  app.get('/healthz', async () => ({ status: 'ok' }));

  /**
   * Single flight: scrapes that arrive while a render is in progress share it, and its one Buffer,
   * which every response writes without a copy; so many concurrent scrapes cost one render.
   */
  let rendering: Promise<Buffer> | undefined;
  const renderMetrics = () => {
    rendering ??= scrapeCache
      .metrics()
      .then((text) => Buffer.from(text))
      .finally(() => {
        rendering = undefined;
      });
    return rendering;
  };
  app.get('/metrics', async (_, reply) => {
    reply.type(scrapeCache.contentType);
    return renderMetrics();
  });
  app.get('/readyz', async (_, reply) => {
    const problems = readinessProblems(ingestor, stateDir, settings.IPF_SPOOL_POLL_MS);
    reply.code(problems.length === 0 ? 200 : 503);
    return { status: problems.length === 0 ? 'ready' : 'not ready', problems };
  });
  app.get('/api/state', async () => {
    const addresses = localAddresses();
    const known = new Map(instances.map((instance) => [instance.name, instance]));
    const names = new Set([...known.keys(), ...Object.keys(ingestor.state.instances)]);
    return {
      node: options.node,
      instances: [...names].map((name) => {
        const plan = known.get(name);
        const current = ingestor.state.instances[name];
        return {
          name,
          vrid: plan?.vrid ?? null,
          state: current?.state ?? 'init',
          since: current?.ts ?? null,
          priority: current?.priority ?? null,
          vips: (plan?.vips ?? []).map((vip) => ({ vip, present: addresses.has(normalizeAddress(vip)) })),
        };
      }),
      checks: checkRecords.read(),
      recent: [...ingestor.state.recent].reverse(),
    };
  });
  return app;
}

/**
 * The reachability probes, unless IPF_REACH_INTERVAL_MS is 0 or there is no port (IPF_REACH_PORT
 * unset and OPENSHIFT_HA_MONITOR_PORT 0). They probe only while the exporter is ready.
 */
function reachProber(
  { settings, env, log }: AppOptions,
  instances: readonly InstancePlan[],
  healthy: () => boolean,
): { prober: ReachProber; unreachable: Histogram<'vip'> } | undefined {
  if (settings.IPF_REACH_INTERVAL_MS === 0) return undefined;
  const monitor = imageMonitorPort(imageValue(env, 'OPENSHIFT_HA_MONITOR_PORT'));
  const port =
    settings.IPF_REACH_PORT ??
    (isUsableMonitorPort(monitor) && Number(monitor) > 0 ? Number(monitor) : undefined);
  if (port === undefined) {
    log('VIP reachability probes off: OPENSHIFT_HA_MONITOR_PORT is 0 and IPF_REACH_PORT is unset');
    return undefined;
  }
  const unreachable = unreachableHistogram();
  const vips = [...new Set(instances.flatMap((instance) => instance.vips.map(normalizeAddress)))];
  const prober = new ReachProber(
    {
      vips,
      port,
      intervalMs: settings.IPF_REACH_INTERVAL_MS ?? defaultReachIntervalMs(vips.length),
      timeoutMs: settings.IPF_REACH_TIMEOUT_MS,
      concurrency: settings.IPF_REACH_CONCURRENCY,
      localAddresses,
      healthy,
      log,
    },
    (vip, seconds) => unreachable.observe({ vip }, seconds),
  );
  return { prober, unreachable };
}

/** Ready when the state directory is readable and the spool has been read to its end lately. */
function readinessProblems(ingestor: Ingestor, stateDir: string, pollMs: number): string[] {
  const problems: string[] = [];
  try {
    accessSync(stateDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    problems.push(`IPF_STATE_DIR ${stateDir} is not readable and writable: ${(error as Error).message}`);
  }
  if (ingestor.lastError) problems.push(ingestor.lastError);
  const behind = Date.now() - ingestor.caughtUpAt;
  if (behind > 3 * pollMs + 1000)
    problems.push(`the spool has not been read to its end for ${Math.round(behind / 1000)} s`);
  return problems;
}
