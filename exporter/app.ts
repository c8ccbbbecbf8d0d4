import { accessSync, constants, type FSWatcher, watch } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { readImageSettings } from '../core/ipfailover/image-env.ts';
import { planInstances } from '../core/ipfailover/instances.ts';
import type { Env, SettingValues } from '../core/settings.ts';
import { Ingestor } from './ingest.ts';
import { createMetrics } from './metrics.ts';
import type { exporterSettings } from './settings.ts';
import { localAddresses, normalizeAddress, readCheckRecords } from './sources.ts';
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

declare module 'fastify' {
  interface FastifyInstance {
    ingestor: Ingestor;
  }
}

/** The exporter as a fastify app; server.ts only listens. Every route is a GET: nothing on the network writes. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { settings, log } = options;
  const stateDir = settings.IPF_STATE_DIR;
  const instances = planInstances(readImageSettings(options.env));
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
  const registry = createMetrics({
    ingestor,
    instances,
    stateDir,
    node: options.node,
    version: options.version,
    webhookQueue: () => webhook?.queueLength() ?? 0,
  });

  const app = Fastify({ logger: false });
  app.decorate('ingestor', ingestor);

  let settleTimer: NodeJS.Timeout | undefined;
  const ingestSoon = () => {
    if (settleTimer) return;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      ingestor.ingest();
    }, SETTLE_MS);
  };
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    ingestor.ingest();
    webhook?.start();
    try {
      watcher = watch(stateDir, ingestSoon);
      watcher.on('error', (error) => log(`fs.watch on ${stateDir} failed (${error.message}); polling only`));
    } catch (error) {
      log(`fs.watch on ${stateDir} is not available (${(error as Error).message}); polling only`);
    }
    poller = setInterval(() => ingestor.ingest(), settings.IPF_SPOOL_POLL_MS);
    poller.unref();
  });
  app.addHook('onClose', async () => {
    watcher?.close();
    clearInterval(poller);
    clearTimeout(settleTimer);
    webhook?.close();
    ingestor.close();
  });

  app.get('/metrics', async (_, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
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
      checks: readCheckRecords(stateDir),
      recent: [...ingestor.state.recent].reverse(),
    };
  });
  return app;
}

/** Ready when the state directory is readable and the spool has been read to its end lately. */
export function readinessProblems(ingestor: Ingestor, stateDir: string, pollMs: number): string[] {
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
