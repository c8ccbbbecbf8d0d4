import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { InstancePlan } from '../core/ipfailover/instances.ts';
import type { StatusRecord } from '../core/report.ts';
import type { Ingestor } from './ingest.ts';
import { proberUp, readProberRecord, refusalKinds } from './prober.ts';
import { type CheckRecords, localAddresses, normalizeAddress } from './sources.ts';
import { MAX_LINE_BYTES } from './spool.ts';
import { exportedStates } from './state.ts';

export interface MetricSources {
  readonly ingestor: Ingestor;
  readonly instances: readonly InstancePlan[];
  readonly checkRecords: CheckRecords;
  readonly node: string;
  readonly version: string;
  readonly webhookQueue: () => number;
  /** Prober mode (keepalived runs verdict.sh): the prober's heartbeat and counters are exported. */
  readonly prober: { readonly stateDir: string } | undefined;
}

/**
 * Every metric the exporter serves, declared in one place on the app's own registry. Values are
 * computed at scrape time from the checkpointed spool state, the status records and the node's
 * interfaces; counters restored from the checkpoint are set by reset-and-inc.
 */
export function createMetrics(sources: MetricSources): Registry {
  const { ingestor } = sources;
  const registry = new CachingRegistry();
  const oncePerScrape = oncePerScrapeOf(registry);
  const spoolVersion = () => String(ingestor.version);
  const addresses = oncePerScrape(localAddresses);
  // The four check gauges collect in the same scrape: the records are read once for all of them.
  const checkRecords = oncePerScrape(() => sources.checkRecords.read());
  const spool = () => ingestor.state.counters;
  const knownInstances = () =>
    new Set([...sources.instances.map(({ name }) => name), ...Object.keys(ingestor.state.instances)]);

  registry.cacheBy(
    spoolVersion,
    new Gauge({
      name: 'ipfailover_vrrp_state',
      help: 'Current VRRP state of the instance on this node: 1 for the current state, 0 for the others (init until its first notify).',
      labelNames: ['vrrp_instance', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const name of knownInstances()) {
          const current = ingestor.state.instances[name]?.state ?? 'init';
          for (const state of exportedStates)
            this.set({ vrrp_instance: name, state }, state === current ? 1 : 0);
        }
      },
    }),
  );
  registry.cacheBy(
    spoolVersion,
    new Counter({
      name: 'ipfailover_vrrp_transitions_total',
      help: 'State changes of the instance on this node, in event time, from notify calls.',
      labelNames: ['vrrp_instance', 'from', 'to'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [key, count] of Object.entries(ingestor.state.transitions)) {
          const [vrrp_instance = '', from = '', to = ''] = key.split('\t');
          this.inc({ vrrp_instance, from, to }, count);
        }
      },
    }),
  );
  registry.cacheBy(
    spoolVersion,
    new Gauge({
      name: 'ipfailover_vrrp_last_transition_timestamp_seconds',
      help: 'Time of the newest notify for the instance, from the hook’s clock.',
      labelNames: ['vrrp_instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [name, instance] of Object.entries(ingestor.state.instances))
          this.set({ vrrp_instance: name }, instance.ts);
      },
    }),
  );
  registry.cacheBy(
    spoolVersion,
    new Gauge({
      name: 'ipfailover_vrrp_priority',
      help: 'Effective priority keepalived passed with the newest notify for the instance.',
      labelNames: ['vrrp_instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [name, instance] of Object.entries(ingestor.state.instances)) {
          if (instance.priority !== null) this.set({ vrrp_instance: name }, instance.priority);
        }
      },
    }),
  );
  registry.cacheBy(
    () => [...addresses()].sort().join(' '),
    new Gauge({
      name: 'ipfailover_vip_present',
      help: 'Whether the VIP is on one of this node’s interfaces at scrape time (ground truth, also after a split brain heals).',
      labelNames: ['vrrp_instance', 'vip'],
      registers: [registry],
      collect() {
        this.reset();
        const present = addresses();
        for (const instance of sources.instances) {
          for (const vip of instance.vips)
            this.set({ vrrp_instance: instance.name, vip }, present.has(normalizeAddress(vip)) ? 1 : 0);
        }
      },
    }),
  );

  const checkGauge = (name: string, help: string, value: (record: StatusRecord) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['check'],
      registers: [registry],
      collect() {
        this.reset();
        for (const record of checkRecords()) this.set({ check: record.check }, value(record));
      },
    });
  checkGauge(
    'ipfailover_check_success',
    'Whether the check’s last probe passed (before hysteresis).',
    (record) => Number(record.ok),
  );
  checkGauge(
    'ipfailover_check_passing',
    'Whether the check last told keepalived it passed (after IPF_CHECK_FALL/RISE).',
    (record) => Number(record.passing),
  );
  checkGauge(
    'ipfailover_check_duration_seconds',
    'Duration of the check’s last run, process start included.',
    (record) => record.duration_ms / 1000,
  );
  checkGauge(
    'ipfailover_check_last_run_timestamp_seconds',
    'When the check last ran.',
    (record) => record.at,
  );
  new Counter({
    name: 'ipfailover_state_records_invalid_total',
    help: 'Versions of a status record in IPF_STATE_DIR that were skipped: not a regular file, too large, not JSON, or a field missing or of the wrong type.',
    labelNames: ['file'],
    registers: [registry],
    collect() {
      // Reads the records if no check gauge did in this scrape, so the count is current.
      checkRecords();
      this.reset();
      for (const [file, count] of sources.checkRecords.invalid) this.inc({ file }, count);
    },
  });

  const spoolCounter = (name: string, help: string, value: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  spoolCounter(
    'ipfailover_spool_lines_total',
    'Lines read from the transition spool, oversized ones included.',
    () => spool().lines,
  );
  spoolCounter(
    'ipfailover_spool_read_bytes_total',
    'Bytes read from the transition spool.',
    () => spool().bytes,
  );
  spoolCounter(
    'ipfailover_spool_invalid_lines_total',
    'Torn or foreign spool lines skipped.',
    () => spool().invalidLines,
  );
  spoolCounter(
    'ipfailover_spool_oversized_lines_total',
    `Spool lines longer than ${MAX_LINE_BYTES / 1024} KiB (a hook’s are under 1 KiB), skipped without being parsed.`,
    () => spool().oversizedLines,
  );
  spoolCounter(
    'ipfailover_spool_out_of_order_events_total',
    'Events older than their instance’s newest, which changed nothing.',
    () => spool().outOfOrder,
  );
  spoolCounter(
    'ipfailover_spool_group_events_total',
    'GROUP notifies, which the ipfailover config does not produce.',
    () => spool().groupEvents,
  );
  spoolCounter(
    'ipfailover_spool_truncations_total',
    'Times the spool was truncated underneath the exporter.',
    () => spool().truncations,
  );
  spoolCounter(
    'ipfailover_spool_resets_total',
    'Times the spool was deleted or replaced underneath the exporter.',
    () => spool().resets,
  );
  spoolCounter(
    'ipfailover_spool_rotations_total',
    'Times the exporter rotated the spool.',
    () => spool().rotations,
  );
  new Gauge({
    name: 'ipfailover_spool_lag_bytes',
    help: 'Bytes in the spool not yet read.',
    registers: [registry],
    collect() {
      this.set(ingestor.lag());
    },
  });
  spoolCounter(
    'ipfailover_webhook_sent_total',
    'Transitions the webhook accepted.',
    () => ingestor.checkpoint.webhook.sent,
  );
  spoolCounter(
    'ipfailover_webhook_failures_total',
    'Failed webhook attempts.',
    () => ingestor.checkpoint.webhook.failures,
  );
  spoolCounter(
    'ipfailover_webhook_dropped_total',
    'Transitions dropped because the webhook queue was full.',
    () => ingestor.checkpoint.webhook.dropped,
  );
  new Gauge({
    name: 'ipfailover_webhook_queue_length',
    help: 'Transitions waiting for the webhook.',
    registers: [registry],
    collect() {
      this.set(sources.webhookQueue());
    },
  });
  if (sources.prober) {
    const { stateDir } = sources.prober;
    const record = oncePerScrape(() => readProberRecord(stateDir));
    new Gauge({
      name: 'ipfailover_prober_up',
      help: 'Whether the resident prober on this node is beating (prober.json rewritten in the last 6 s); 0: verdict.sh fails every run.',
      registers: [registry],
      collect() {
        this.set(proberUp(record(), Date.now()) ? 1 : 0);
      },
    });
    new Counter({
      name: 'ipfailover_prober_refused_requests_total',
      help: 'Requests the prober refused, by reason: another pod’s identity, an unknown protocol version, a malformed line, a check it does not serve. Resets when the prober restarts.',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        const refused = record()?.refused;
        for (const reason of refusalKinds) this.inc({ reason }, refused?.[reason] ?? 0);
      },
    });
    new Counter({
      name: 'ipfailover_prober_probes_total',
      help: 'Probes the prober ran, by check; requests inside IPF_PROBER_MIN_GAP_MS share one. Resets when the prober restarts.',
      labelNames: ['check'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [check, count] of Object.entries(record()?.probes ?? {})) this.inc({ check }, count);
      },
    });
  }
  new Gauge({
    name: 'ipfailover_exporter_build_info',
    help: 'The exporter’s version and the node it runs on.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version: sources.version, node: sources.node }, 1);
  return registry;
}

/**
 * A value computed at most once per scrape. A scrape is one registry.metrics() call: two scrapes in
 * the same tick (fastify's inject, or two requests read in one turn of the loop) still read anew.
 */
function oncePerScrapeOf(registry: CachingRegistry) {
  return <T>(compute: () => T): (() => T) => {
    let cached: { scrape: number; value: T } | undefined;
    return () => {
      if (cached?.scrape !== registry.scrape) cached = { scrape: registry.scrape, value: compute() };
      return cached.value;
    };
  };
}

/**
 * prom-client's registry, except that the large families are rendered again only when what they
 * show changed: the spool-derived ones (254 instances × 5 states, transitions) when the spool state
 * did, VIP presence when the node's addresses did. Rendering them was most of a scrape, and its
 * garbage set the p99 (bench/exporter.ts). Their values are still read at scrape time.
 */
class CachingRegistry extends Registry {
  /** Counts scrapes, for oncePerScrapeOf. */
  scrape = 0;
  private readonly keys = new WeakMap<object, () => string>();
  private readonly cached = new WeakMap<object, { key: string; text: Promise<string> }>();

  override metrics(): Promise<string> {
    this.scrape += 1;
    return super.metrics();
  }

  /** Renders `metric` again only when `key()` changes. */
  cacheBy<T extends object>(key: () => string, metric: T): T {
    this.keys.set(metric, key);
    return metric;
  }

  // prom-client renders each metric through this method; its typings leave it out.
  getMetricsAsString(metric: Metric): Promise<string> {
    const render = (Registry.prototype as unknown as { getMetricsAsString(m: Metric): Promise<string> })
      .getMetricsAsString;
    const keyOf = this.keys.get(metric);
    if (!keyOf) return render.call(this, metric);
    const key = keyOf();
    const hit = this.cached.get(metric);
    if (hit?.key === key) return hit.text;
    const text = render.call(this, metric);
    this.cached.set(metric, { key, text });
    return text;
  }
}
