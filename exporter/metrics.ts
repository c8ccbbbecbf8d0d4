import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { InstancePlan } from '../core/ipfailover/instances.ts';
import type { StatusRecord } from '../core/report.ts';
import type { Ingestor } from './ingest.ts';
import { labelNames, type MetricName, metricNames } from './metric-names.ts';
import { proberUp, readProberRecord, refusalKinds } from './prober.ts';
import type { ReachProber } from './reach.ts';
import { ScrapeCache } from './scrape-cache.ts';
import { type CheckRecords, localAddresses, normalizeAddress } from './sources.ts';
import { MAX_LINE_BYTES } from './spool.ts';
import { exportedStates, type SpoolState } from './state.ts';

export interface MetricSources {
  readonly ingestor: Ingestor;
  readonly instances: readonly InstancePlan[];
  readonly checkRecords: CheckRecords;
  readonly node: string;
  readonly version: string;
  readonly webhookQueue: () => number;
  /** Prober mode (keepalived runs verdict.sh): the prober's heartbeat and counters are exported. */
  readonly prober: { readonly stateDir: string } | undefined;
  /** The reachability probes of the VIPs from this node and the histogram they observe, unless off. */
  readonly reach?: { readonly prober: ReachProber; readonly unreachable: Histogram<'vip'> } | undefined;
}

/** Buckets of an unreachable period: a graceful move (under 1 s), a dead node (3 to 4 s), and worse. */
const UNREACHABLE_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300] as const;

/**
 * Creates the histogram that the reachability prober observes into, before the prober exists: the
 * prober's callback needs it, and the registry needs the prober.
 */
export function unreachableHistogram(): Histogram<'vip'> {
  return new Histogram({
    name: metricNames.vipUnreachable,
    help: 'Each period in which a VIP answered no connection from this node, observed when it answered again: the outage a client here saw, per failover.',
    labelNames: [labelNames.vip],
    buckets: [...UNREACHABLE_BUCKETS],
    registers: [],
  });
}

/**
 * Every metric the exporter serves, one family group per function below, each on a registry of the
 * scrape cache. Values are computed at scrape time from the checkpointed spool state, the status
 * records and the node's interfaces; counters restored from the checkpoint are set by reset-and-inc.
 */
export function createMetrics(sources: MetricSources): ScrapeCache {
  const cache = new ScrapeCache();
  vrrpFamilies(
    cache.cachedBy(() => String(sources.ingestor.version)),
    sources,
  );
  vipFamily(cache, sources.instances);
  const live = cache.live();
  checkFamilies(live, cache, sources.checkRecords);
  spoolFamilies(live, sources.ingestor);
  webhookFamilies(live, sources);
  if (sources.prober) proberFamilies(live, cache, sources.prober.stateDir);
  if (sources.reach) reachFamilies(live, sources.reach.prober, sources.reach.unreachable);
  buildInfo(live, sources);
  return cache;
}

/** The spool-derived families: rendered again only when the spool state changed. */
function vrrpFamilies(registry: Registry, { ingestor, instances }: MetricSources): void {
  const knownInstances = () =>
    new Set([...instances.map(({ name }) => name), ...Object.keys(ingestor.state.instances)]);
  new Gauge({
    name: metricNames.vrrpState,
    help: 'Current VRRP state of the instance on this node: 1 for the current state, 0 for the others (init until its first notify).',
    labelNames: [labelNames.vrrpInstance, labelNames.state],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of knownInstances()) {
        const current = ingestor.state.instances[name]?.state ?? 'init';
        for (const state of exportedStates)
          this.set({ vrrp_instance: name, state }, state === current ? 1 : 0);
      }
    },
  });
  new Counter({
    name: metricNames.vrrpTransitions,
    help: 'State changes of the instance on this node, in event time, from notify calls.',
    labelNames: [labelNames.vrrpInstance, labelNames.from, labelNames.to],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of Object.entries(ingestor.state.transitions)) {
        const [vrrp_instance = '', from = '', to = ''] = key.split('\t');
        this.inc({ vrrp_instance, from, to }, count);
      }
    },
  });
  instanceGauge(
    registry,
    ingestor,
    metricNames.vrrpLastTransition,
    'Time of the newest notify for the instance, from the hook’s clock.',
    (instance) => instance.ts,
  );
  instanceGauge(
    registry,
    ingestor,
    metricNames.vrrpPriority,
    'Effective priority keepalived passed with the newest notify for the instance.',
    (instance) => instance.priority,
  );
}

/** A gauge per instance of the spool state; an instance whose value is null has no series. */
function instanceGauge(
  registry: Registry,
  ingestor: Ingestor,
  name: MetricName,
  help: string,
  value: (instance: SpoolState['instances'][string]) => number | null,
): void {
  new Gauge({
    name,
    help,
    labelNames: [labelNames.vrrpInstance],
    registers: [registry],
    collect() {
      this.reset();
      for (const [vrrp_instance, instance] of Object.entries(ingestor.state.instances)) {
        const current = value(instance);
        if (current !== null) this.set({ vrrp_instance }, current);
      }
    },
  });
}

/** VIP presence: rendered again only when the node's addresses changed. */
function vipFamily(cache: ScrapeCache, instances: readonly InstancePlan[]): void {
  const addresses = cache.oncePerScrape(localAddresses);
  new Gauge({
    name: metricNames.vipPresent,
    help: 'Whether the VIP is on one of this node’s interfaces at scrape time (ground truth, also after a split brain heals).',
    labelNames: [labelNames.vrrpInstance, labelNames.vip],
    registers: [cache.cachedBy(() => [...addresses()].sort().join(' '))],
    collect() {
      this.reset();
      const present = addresses();
      for (const instance of instances) {
        for (const vip of instance.vips)
          this.set({ vrrp_instance: instance.name, vip }, present.has(normalizeAddress(vip)) ? 1 : 0);
      }
    },
  });
}

/** The checks' status records, read once per scrape for all of these families. */
function checkFamilies(registry: Registry, cache: ScrapeCache, checkRecords: CheckRecords): void {
  const records = cache.oncePerScrape(() => checkRecords.read());
  const checkGauge = (name: MetricName, help: string, value: (record: StatusRecord) => number) =>
    new Gauge({
      name,
      help,
      labelNames: [labelNames.check],
      registers: [registry],
      collect() {
        this.reset();
        for (const record of records()) this.set({ check: record.check }, value(record));
      },
    });
  checkGauge(
    metricNames.checkSuccess,
    'Whether the check’s last probe passed (before hysteresis).',
    (record) => Number(record.ok),
  );
  checkGauge(
    metricNames.checkPassing,
    'Whether the check last told keepalived it passed (after IPF_CHECK_FALL/RISE).',
    (record) => Number(record.passing),
  );
  checkGauge(
    metricNames.checkDuration,
    'Duration of the check’s last run, process start included.',
    (record) => record.duration_ms / 1000,
  );
  checkGauge(metricNames.checkLastRun, 'When the check last ran.', (record) => record.at);
  new Counter({
    name: metricNames.stateRecordsInvalid,
    help: 'Versions of a status record in IPF_STATE_DIR that were skipped: not a regular file, too large, not JSON, or a field missing or of the wrong type.',
    labelNames: [labelNames.file],
    registers: [registry],
    collect() {
      // Reads the records if no check gauge did in this scrape, so the count is current.
      records();
      this.reset();
      for (const [file, count] of checkRecords.invalid) this.inc({ file }, count);
    },
  });
}

type SpoolCounters = SpoolState['counters'];

/** The spool's counters, in the order they are served: the field of the state, the name, the help. */
const spoolCounters: readonly (readonly [keyof SpoolCounters, MetricName, string])[] = [
  ['lines', metricNames.spoolLines, 'Lines read from the transition spool, oversized ones included.'],
  ['bytes', metricNames.spoolReadBytes, 'Bytes read from the transition spool.'],
  ['invalidLines', metricNames.spoolInvalidLines, 'Torn or foreign spool lines skipped.'],
  [
    'oversizedLines',
    metricNames.spoolOversizedLines,
    `Spool lines longer than ${MAX_LINE_BYTES / 1024} KiB (a hook’s are under 1 KiB), skipped without being parsed.`,
  ],
  [
    'outOfOrder',
    metricNames.spoolOutOfOrderEvents,
    'Events older than their instance’s newest, which changed nothing.',
  ],
  [
    'groupEvents',
    metricNames.spoolGroupEvents,
    'GROUP notifies, which the ipfailover config does not produce.',
  ],
  ['truncations', metricNames.spoolTruncations, 'Times the spool was truncated underneath the exporter.'],
  ['resets', metricNames.spoolResets, 'Times the spool was deleted or replaced underneath the exporter.'],
  ['rotations', metricNames.spoolRotations, 'Times the exporter rotated the spool.'],
];

function spoolFamilies(registry: Registry, ingestor: Ingestor): void {
  for (const [field, name, help] of spoolCounters)
    totalCounter(registry, name, help, () => ingestor.state.counters[field]);
  valueGauge(registry, metricNames.spoolLagBytes, 'Bytes in the spool not yet read.', () => ingestor.lag());
}

function webhookFamilies(registry: Registry, { ingestor, webhookQueue }: MetricSources): void {
  const webhook = () => ingestor.checkpoint.webhook;
  totalCounter(registry, metricNames.webhookSent, 'Transitions the webhook accepted.', () => webhook().sent);
  totalCounter(registry, metricNames.webhookFailures, 'Failed webhook attempts.', () => webhook().failures);
  totalCounter(
    registry,
    metricNames.webhookDropped,
    'Transitions dropped because the webhook queue was full.',
    () => webhook().dropped,
  );
  valueGauge(registry, metricNames.webhookQueueLength, 'Transitions waiting for the webhook.', webhookQueue);
}

/** The resident prober's heartbeat and counters, from its record (read once per scrape). */
function proberFamilies(registry: Registry, cache: ScrapeCache, stateDir: string): void {
  const record = cache.oncePerScrape(() => readProberRecord(stateDir));
  valueGauge(
    registry,
    metricNames.proberUp,
    'Whether the resident prober on this node is beating (prober.json rewritten in the last 6 s); 0: verdict.sh fails every run.',
    () => (proberUp(record(), Date.now()) ? 1 : 0),
  );
  new Counter({
    name: metricNames.proberRefusedRequests,
    help: 'Requests the prober refused, by reason: another pod’s identity, an unknown protocol version, a malformed line, a check it does not serve. Resets when the prober restarts.',
    labelNames: [labelNames.reason],
    registers: [registry],
    collect() {
      this.reset();
      const refused = record()?.refused;
      for (const reason of refusalKinds) this.inc({ reason }, refused?.[reason] ?? 0);
    },
  });
  new Counter({
    name: metricNames.proberProbes,
    help: 'Probes the prober ran, by check; requests inside IPF_PROBER_MIN_GAP_MS share one. Resets when the prober restarts.',
    labelNames: [labelNames.check],
    registers: [registry],
    collect() {
      this.reset();
      for (const [check, count] of Object.entries(record()?.probes ?? {})) this.inc({ check }, count);
    },
  });
}

/** What this node sees of the VIPs it does not hold; a VIP held here, or not probed yet, has no series. */
function reachFamilies(registry: Registry, reach: ReachProber, unreachable: Histogram<'vip'>): void {
  const perVip = (
    name: MetricName,
    help: string,
    value: (result: { reachable: boolean; seconds: number }) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: [labelNames.vip],
      registers: [registry],
      collect() {
        this.reset();
        for (const [vip, result] of reach.results) this.set({ vip }, value(result));
      },
    });
  perVip(
    metricNames.vipReachable,
    'Whether the VIP answered this node’s last TCP connect (a SYN-ACK or a RST); no series for a VIP this node holds.',
    (result) => Number(result.reachable),
  );
  perVip(
    metricNames.vipProbeDuration,
    'How long this node’s last connect to the VIP took, up to IPF_REACH_TIMEOUT_MS.',
    (result) => result.seconds,
  );
  registry.registerMetric(unreachable);
}

function buildInfo(registry: Registry, { version, node }: MetricSources): void {
  new Gauge({
    name: metricNames.buildInfo,
    help: 'The exporter’s version and the node it runs on.',
    labelNames: [labelNames.version, labelNames.node],
    registers: [registry],
  }).set({ version, node }, 1);
}

/** A counter without labels whose total is kept elsewhere (the checkpoint): set at each scrape. */
function totalCounter(registry: Registry, name: MetricName, help: string, value: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

/** A gauge without labels read at each scrape. */
function valueGauge(registry: Registry, name: MetricName, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(value());
    },
  });
}
