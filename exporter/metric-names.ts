/**
 * The exporter's vocabulary: the name of every metric it serves and of the labels more than one
 * place selects by. The metrics (metrics.ts), the alert rules, the dashboard, the lab and the tests
 * take their names from here, so a renamed metric is a type error where it is used, not a query that
 * quietly matches nothing.
 */

export const metricNames = {
  vrrpState: 'ipfailover_vrrp_state',
  vrrpTransitions: 'ipfailover_vrrp_transitions_total',
  vrrpLastTransition: 'ipfailover_vrrp_last_transition_timestamp_seconds',
  vrrpPriority: 'ipfailover_vrrp_priority',
  vipPresent: 'ipfailover_vip_present',
  vipReachable: 'ipfailover_vip_reachable',
  vipProbeDuration: 'ipfailover_vip_probe_duration_seconds',
  vipUnreachable: 'ipfailover_vip_unreachable_seconds',
  checkSuccess: 'ipfailover_check_success',
  checkPassing: 'ipfailover_check_passing',
  checkDuration: 'ipfailover_check_duration_seconds',
  checkLastRun: 'ipfailover_check_last_run_timestamp_seconds',
  stateRecordsInvalid: 'ipfailover_state_records_invalid_total',
  spoolLines: 'ipfailover_spool_lines_total',
  spoolReadBytes: 'ipfailover_spool_read_bytes_total',
  spoolInvalidLines: 'ipfailover_spool_invalid_lines_total',
  spoolOversizedLines: 'ipfailover_spool_oversized_lines_total',
  spoolOutOfOrderEvents: 'ipfailover_spool_out_of_order_events_total',
  spoolGroupEvents: 'ipfailover_spool_group_events_total',
  spoolTruncations: 'ipfailover_spool_truncations_total',
  spoolResets: 'ipfailover_spool_resets_total',
  spoolRotations: 'ipfailover_spool_rotations_total',
  spoolLagBytes: 'ipfailover_spool_lag_bytes',
  webhookSent: 'ipfailover_webhook_sent_total',
  webhookFailures: 'ipfailover_webhook_failures_total',
  webhookDropped: 'ipfailover_webhook_dropped_total',
  webhookQueueLength: 'ipfailover_webhook_queue_length',
  proberUp: 'ipfailover_prober_up',
  proberRefusedRequests: 'ipfailover_prober_refused_requests_total',
  proberProbes: 'ipfailover_prober_probes_total',
  buildInfo: 'ipfailover_exporter_build_info',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** The labels the exporter puts on its series (Prometheus adds the target's: instance, job, node, namespace). */
export const labelNames = {
  vrrpInstance: 'vrrp_instance',
  state: 'state',
  from: 'from',
  to: 'to',
  vip: 'vip',
  check: 'check',
  file: 'file',
  reason: 'reason',
  version: 'version',
  node: 'node',
} as const;

export type LabelName = (typeof labelNames)[keyof typeof labelNames];
