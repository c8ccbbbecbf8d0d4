import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  type AlertOptions,
  alertNames,
  alertRules,
  prometheusRule,
  prometheusRuleYaml,
  ruleGroupsYaml,
  ruleLabels,
} from '../exporter/alerts.ts';
import { type MetricName, metricNames } from '../exporter/metric-names.ts';
import { podMonitor } from '../packaging/monitoring.ts';
import { temporaryDirectory } from './support/harness.ts';

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `promtool is needed for these tests (apt-get install prometheus): ${result.error.message}`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Writes the rule file (and a promtool test file, if given) into a temporary directory. */
function writeRules(options: AlertOptions = {}, tests?: unknown): string {
  const directory = temporaryDirectory();
  writeFileSync(join(directory, 'rules.yaml'), ruleGroupsYaml(options));
  if (tests !== undefined) writeFileSync(join(directory, 'tests.yaml'), stringify(tests));
  return directory;
}

// ---- promtool unit tests, as data -------------------------------------------------------------------

type State = 'init' | 'backup' | 'master' | 'fault' | 'stop';
const states: readonly State[] = ['init', 'backup', 'master', 'fault', 'stop'];

/** Scrape targets as Prometheus labels them: instance, job, the relabelled node, and the namespace. */
const worker1 = { instance: '10.0.0.21:9101', node: 'worker-1' };
const worker2 = { instance: '10.0.0.22:9101', node: 'worker-2' };
const worker3 = { instance: '10.0.0.23:9101', node: 'worker-3' };
type Target = typeof worker1;
const scope = { job: 'ipfailover-toolkit', namespace: 'ipfailover' };
const targetLabels = (target: Target) => ({ ...target, ...scope });

interface InputSeries {
  series: string;
  values: string;
}

function series(metric: MetricName | 'up', labels: Record<string, string>, values: string): InputSeries {
  const text = Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ');
  return { series: `${metric}{${text}}`, values };
}

/** `[value, samples]` runs to promtool's notation: `1x3` is four samples of 1. */
const runs = (...segments: [number, number][]) => segments.map(([value, n]) => `${value}x${n - 1}`).join(' ');

/** The five ipfailover_vrrp_state series of one instance on one node, from runs of `[state, samples]`. */
function vrrpState(target: Target, instance: string, timeline: [State, number][]): InputSeries[] {
  return states.map((state) =>
    series(
      metricNames.vrrpState,
      { ...targetLabels(target), vrrp_instance: instance, state },
      runs(...timeline.map(([current, n]): [number, number] => [current === state ? 1 : 0, n])),
    ),
  );
}

const vipPresent = (target: Target, instance: string, vip: string, values: string) =>
  series(metricNames.vipPresent, { ...targetLabels(target), vrrp_instance: instance, vip }, values);

const transitions = (target: Target, instance: string, from: State, to: State, values: string) =>
  series(metricNames.vrrpTransitions, { ...targetLabels(target), vrrp_instance: instance, from, to }, values);
const becameMaster = (target: Target, instance: string, from: State, values: string) =>
  transitions(target, instance, from, 'master', values);

/** What one node sees of a VIP it does not hold: 1 answered, 0 not. */
const vipReachable = (target: Target, vip: string, values: string) =>
  series(metricNames.vipReachable, { ...targetLabels(target), vip }, values);

/** The series of one check on one node. */
const checkSeries = (metric: MetricName, target: Target, check: string, values: string) =>
  series(metric, { ...targetLabels(target), check }, values);

const rules = new Map(alertRules().map((rule) => [rule.alert, rule]));

interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

/** An expected alert: its exact labels (severity included) and annotations (the runbook is static text). */
function fired(
  alertname: string,
  labels: Record<string, string>,
  summary: string,
  description: string,
): ExpectedAlert {
  const runbook = rules.get(alertname)?.annotations.runbook ?? '';
  return { exp_labels: labels, exp_annotations: { summary, description, runbook } };
}

/** The test at `eval_time` that expects exactly these alerts of `alertname`: labels, summary, description. */
const firing = (
  eval_time: string,
  alertname: string,
  ...alerts: [labels: Record<string, string>, summary: string, description: string][]
): AlertTest => ({
  eval_time,
  alertname,
  exp_alerts: alerts.map(([labels, summary, description]) => fired(alertname, labels, summary, description)),
});

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}

interface TestGroup {
  name: string;
  interval?: string;
  input_series: InputSeries[];
  alert_rule_test: AlertTest[];
}

const quiet = (alertname: string, ...times: string[]): AlertTest[] =>
  times.map((eval_time) => ({ eval_time, alertname, exp_alerts: [] }));

// Every group is 10 minutes of 15 s scrapes (40 samples) unless it says otherwise.
const groups: TestGroup[] = [
  {
    name: 'VIPNoMaster fires: the master faulted, and an instance only one node reports has no master',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [
        ['master', 4],
        ['fault', 36],
      ]),
      ...vrrpState(worker2, 'web_VIP_1', [['backup', 40]]),
      ...vrrpState(worker3, 'web_VIP_2', [['backup', 40]]),
    ],
    alert_rule_test: [
      // web_VIP_1 has had no master for 30 s only: pending.
      firing('1m30s', 'VIPNoMaster', [
        { ...scope, severity: 'critical', vrrp_instance: 'web_VIP_2' },
        'No node is VRRP master for web_VIP_2',
        '1 node(s) report VRRP instance web_VIP_2 and none of them has been MASTER for 1 minute: its VIPs answer on no node.',
      ]),
      firing(
        '2m',
        'VIPNoMaster',
        [
          { ...scope, severity: 'critical', vrrp_instance: 'web_VIP_1' },
          'No node is VRRP master for web_VIP_1',
          '2 node(s) report VRRP instance web_VIP_1 and none of them has been MASTER for 1 minute: its VIPs answer on no node.',
        ],
        [
          { ...scope, severity: 'critical', vrrp_instance: 'web_VIP_2' },
          'No node is VRRP master for web_VIP_2',
          '1 node(s) report VRRP instance web_VIP_2 and none of them has been MASTER for 1 minute: its VIPs answer on no node.',
        ],
      ),
    ],
  },
  {
    name: 'VIPNoMaster quiet: one master, and a 45 s gap during a failover',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [
        ['master', 4],
        ['fault', 36],
      ]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 7],
        ['master', 33],
      ]),
    ],
    alert_rule_test: quiet('VIPNoMaster', '1m30s', '2m', '9m'),
  },
  {
    name: 'VIPSplitBrain fires: two masters, and one master with its VIP also on a backup',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [['master', 40]]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 4],
        ['master', 36],
      ]),
      ...vrrpState(worker1, 'web_VIP_2', [['master', 40]]),
      ...vrrpState(worker2, 'web_VIP_2', [['backup', 40]]),
      vipPresent(worker1, 'web_VIP_2', '10.0.0.102', '1x39'),
      vipPresent(worker2, 'web_VIP_2', '10.0.0.102', '1x39'),
    ],
    alert_rule_test: [
      {
        // Two masters since 60 s, the VIP on two nodes since 0 s.
        eval_time: '1m30s',
        alertname: 'VIPSplitBrain',
        exp_alerts: ['web_VIP_1', 'web_VIP_2'].map((instance) =>
          fired(
            'VIPSplitBrain',
            { ...scope, severity: 'critical', vrrp_instance: instance },
            `Split brain: 2 nodes claim ${instance}`,
            `2 nodes have claimed VRRP instance ${instance} for 30 seconds, as MASTER or by holding one of its VIPs. Clients reach whichever node answered ARP last.`,
          ),
        ),
      },
    ],
  },
  {
    name: 'VIPSplitBrain quiet: one owner, with a 15 s overlap during a handover',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [
        ['master', 5],
        ['backup', 35],
      ]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 3],
        ['master', 37],
      ]),
      vipPresent(worker1, 'web_VIP_1', '10.0.0.101', runs([1, 5], [0, 35])),
      vipPresent(worker2, 'web_VIP_1', '10.0.0.101', runs([0, 3], [1, 37])),
    ],
    alert_rule_test: quiet('VIPSplitBrain', '1m', '1m30s', '9m'),
  },
  {
    name: 'VIPFlapping fires: 5 moves to master in 15 minutes, over two nodes',
    interval: '1m',
    input_series: [
      becameMaster(worker1, 'web_VIP_1', 'backup', '0+1x3 3x12'),
      becameMaster(worker2, 'web_VIP_1', 'backup', '0 0+1x2 2x12'),
      // Moves away from master do not count.
      transitions(worker1, 'web_VIP_1', 'master', 'backup', '0+1x3 3x12'),
    ],
    alert_rule_test: [
      firing('15m', 'VIPFlapping', [
        { ...scope, severity: 'warning', vrrp_instance: 'web_VIP_1' },
        'web_VIP_1 is flapping',
        'VRRP instance web_VIP_1 became MASTER 5 times in the last 15 minutes (more than 4); every move breaks the connections to its VIPs.',
      ]),
    ],
  },
  {
    name: 'VIPFlapping quiet: exactly 4 moves in 15 minutes',
    interval: '1m',
    input_series: [
      becameMaster(worker1, 'web_VIP_1', 'backup', '0+1x2 2x27'),
      becameMaster(worker2, 'web_VIP_1', 'init', '0 0+1x2 2x26'),
    ],
    alert_rule_test: quiet('VIPFlapping', '15m', '29m'),
  },
  {
    name: 'VIPFlapping quiet: 4 moves that increase() extrapolates to 4.29 (15 minutes over 14 of samples)',
    interval: '1m',
    input_series: [becameMaster(worker1, 'web_VIP_1', 'backup', '10 10 10+1x3 14x25')],
    alert_rule_test: quiet('VIPFlapping', '15m30s'),
  },
  {
    name: 'VIPFlapping resolves: 10 moves in the first 10 minutes, then none for 15 minutes',
    interval: '1m',
    input_series: [becameMaster(worker1, 'web_VIP_1', 'backup', '0+1x10 10x19')],
    alert_rule_test: [
      firing('10m', 'VIPFlapping', [
        { ...scope, severity: 'warning', vrrp_instance: 'web_VIP_1' },
        'web_VIP_1 is flapping',
        'VRRP instance web_VIP_1 became MASTER 10 times in the last 15 minutes (more than 4); every move breaks the connections to its VIPs.',
      ]),
      ...quiet('VIPFlapping', '26m'),
    ],
  },
  {
    name: 'NodeFault fires: FAULT for 5 minutes',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [['master', 40]]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 4],
        ['fault', 36],
      ]),
    ],
    alert_rule_test: [
      firing('6m', 'NodeFault', [
        { ...targetLabels(worker2), severity: 'warning', state: 'fault', vrrp_instance: 'web_VIP_1' },
        'web_VIP_1 is in FAULT on worker-2',
        'VRRP instance web_VIP_1 has been in FAULT on node worker-2 for 5 minutes: the check fails there (one failed run faults every instance of the node) or its interface is down. The node cannot take the VIPs over.',
      ]),
    ],
  },
  {
    name: 'NodeFault quiet: FAULT for under 5 minutes',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [['master', 40]]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 4],
        ['fault', 19],
        ['backup', 17],
      ]),
    ],
    alert_rule_test: quiet('NodeFault', '5m', '6m', '9m'),
  },
  {
    name: 'CheckFailing fires: the probe fails for 2 minutes',
    input_series: [
      checkSeries(metricNames.checkSuccess, worker1, 'http-check', '1x39'),
      checkSeries(metricNames.checkSuccess, worker2, 'http-check', runs([1, 4], [0, 36])),
      // keepalived has not been told yet (IPF_CHECK_FALL): the alert is about the probe.
      checkSeries(metricNames.checkPassing, worker2, 'http-check', '1x39'),
    ],
    alert_rule_test: [
      ...quiet('CheckFailing', '2m30s'),
      firing('3m', 'CheckFailing', [
        { ...targetLabels(worker2), check: 'http-check', severity: 'warning' },
        'Check http-check fails on worker-2',
        'The http-check probe has failed on node worker-2 for 2 minutes. Once keepalived is told (ipfailover_check_passing 0, after IPF_CHECK_FALL failures), every VRRP instance of the node goes to FAULT.',
      ]),
    ],
  },
  {
    name: 'CheckFailing quiet: passing, and a 90 s blip',
    input_series: [
      checkSeries(metricNames.checkSuccess, worker1, 'tcp-check', '1x39'),
      checkSeries(metricNames.checkSuccess, worker2, 'tcp-check', runs([1, 4], [0, 6], [1, 30])),
    ],
    alert_rule_test: quiet('CheckFailing', '2m', '3m', '9m'),
  },
  {
    name: 'CheckStale fires: the check stopped running at 2m',
    input_series: [
      checkSeries(metricNames.checkLastRun, worker1, 'http-check', '0+15x39'),
      checkSeries(metricNames.checkLastRun, worker2, 'http-check', '0+15x8 120x30'),
    ],
    alert_rule_test: [
      // Older than 60 s from 3m15s on, and for 1 minute from 4m15s on.
      ...quiet('CheckStale', '4m'),
      firing('5m', 'CheckStale', [
        { ...targetLabels(worker2), check: 'http-check', severity: 'warning' },
        'Check http-check stopped running on worker-2',
        'The http-check check last ran 3m 0s ago on node worker-2; keepalived runs it every OPENSHIFT_HA_CHECK_INTERVAL seconds. A check keepalived has disabled never fails, so the node keeps its VIPs whatever the application does.',
      ]),
    ],
  },
  {
    name: 'CheckStale quiet: fresh, and 58 s old',
    input_series: [
      checkSeries(metricNames.checkLastRun, worker1, 'http-check', '0+15x39'),
      checkSeries(metricNames.checkLastRun, worker2, 'http-check', '-58+15x39'),
    ],
    alert_rule_test: quiet('CheckStale', '3m', '9m'),
  },
  {
    name: 'StateMismatch fires: a MASTER without one of its VIPs, and a VIP on a BACKUP',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [['master', 40]]),
      ...vrrpState(worker2, 'web_VIP_1', [['backup', 40]]),
      vipPresent(worker1, 'web_VIP_1', '10.0.0.100', '1x39'),
      vipPresent(worker1, 'web_VIP_1', '10.0.0.101', '0x39'),
      vipPresent(worker2, 'web_VIP_1', '10.0.0.100', '1x39'),
      vipPresent(worker2, 'web_VIP_1', '10.0.0.101', '0x39'),
    ],
    alert_rule_test: [
      ...quiet('StateMismatch', '45s'),
      firing(
        '2m',
        'StateMismatch',
        [
          { ...targetLabels(worker1), severity: 'critical', vip: '10.0.0.101', vrrp_instance: 'web_VIP_1' },
          'VIP 10.0.0.101 and VRRP state disagree on worker-1',
          'web_VIP_1 is MASTER on node worker-1 but its VIP 10.0.0.101 is on none of the node’s interfaces, for 1 minute.',
        ],
        [
          { ...targetLabels(worker2), severity: 'critical', vip: '10.0.0.100', vrrp_instance: 'web_VIP_1' },
          'VIP 10.0.0.100 and VRRP state disagree on worker-2',
          'VIP 10.0.0.100 is on node worker-2 but web_VIP_1 is not MASTER there, for 1 minute.',
        ],
      ),
    ],
  },
  {
    name: 'StateMismatch quiet: the VIPs on the MASTER only, and a 30 s lag during a handover',
    input_series: [
      ...vrrpState(worker1, 'web_VIP_1', [
        ['master', 20],
        ['backup', 20],
      ]),
      ...vrrpState(worker2, 'web_VIP_1', [
        ['backup', 20],
        ['master', 20],
      ]),
      ...['10.0.0.100', '10.0.0.101'].flatMap((vip) => [
        vipPresent(worker1, 'web_VIP_1', vip, runs([1, 22], [0, 18])),
        vipPresent(worker2, 'web_VIP_1', vip, runs([0, 22], [1, 18])),
      ]),
    ],
    alert_rule_test: quiet('StateMismatch', '2m', '5m30s', '9m'),
  },
  {
    name: 'ProberDown fires: the prober stops beating, 30 s later',
    input_series: [
      series(metricNames.proberUp, targetLabels(worker1), '1x39'),
      series(metricNames.proberUp, targetLabels(worker2), runs([1, 4], [0, 36])),
    ],
    alert_rule_test: [
      // 0 from 1m on: pending at 1m and 1m15s, firing from 1m30s on.
      ...quiet('ProberDown', '1m15s'),
      firing('2m', 'ProberDown', [
        { ...targetLabels(worker2), severity: 'critical' },
        'The ipfailover prober on worker-2 is down',
        'The ipft-prober container on node worker-2 has not written its heartbeat for 30 s. keepalived runs verdict.sh, which fails every run without the prober: the node gives up its VIPs after IPF_CHECK_FALL runs, and takes none.',
      ]),
    ],
  },
  {
    name: 'ProberDown quiet: one missed scrape, and one-shot mode (no prober series at all)',
    input_series: [
      series(metricNames.proberUp, targetLabels(worker1), runs([1, 4], [0, 1], [1, 35])),
      checkSeries(metricNames.checkSuccess, worker2, 'http-check', '1x39'),
    ],
    alert_rule_test: quiet('ProberDown', '1m', '1m15s', '2m', '9m'),
  },
  {
    name: 'VIPUnreachable fires: worker-1 holds the VIP, and neither observer reaches it from 2m on',
    input_series: [
      vipPresent(worker1, 'web_VIP_1', '10.0.0.100', '1x39'),
      vipPresent(worker2, 'web_VIP_1', '10.0.0.100', '0x39'),
      vipPresent(worker3, 'web_VIP_1', '10.0.0.100', '0x39'),
      vipReachable(worker2, '10.0.0.100', runs([1, 8], [0, 32])),
      vipReachable(worker3, '10.0.0.100', runs([1, 8], [0, 32])),
    ],
    alert_rule_test: [
      // Unreachable from 2m on: pending to 2m45s, firing from 3m on.
      ...quiet('VIPUnreachable', '1m45s', '2m45s'),
      firing('3m', 'VIPUnreachable', [
        { ...scope, vip: '10.0.0.100', severity: 'critical' },
        'VIP 10.0.0.100 answers no other node',
        'VIP 10.0.0.100 is on a node’s interface, but for 1 minute no connection to it from any other node was answered, not even with a reset: clients cannot reach it where it is. VIPSplitBrain, VIPNoMaster and StateMismatch cannot see this.',
      ]),
    ],
  },
  {
    name: 'VIPUnreachable quiet: one observer still reaches it, a 45 s blip, nobody holds it, and a single node that nobody observes',
    input_series: [
      // 10.0.0.100: worker-3 still reaches it.
      vipPresent(worker1, 'web_VIP_1', '10.0.0.100', '1x39'),
      vipReachable(worker2, '10.0.0.100', '0x39'),
      vipReachable(worker3, '10.0.0.100', '1x39'),
      // 10.0.0.101: unreachable for 45 s only (3 samples), then answered again.
      vipPresent(worker1, 'web_VIP_2', '10.0.0.101', '1x39'),
      vipReachable(worker2, '10.0.0.101', runs([1, 8], [0, 3], [1, 29])),
      // 10.0.0.102: held by nobody (VIPNoMaster's case), unreachable everywhere.
      vipPresent(worker1, 'web_VIP_3', '10.0.0.102', '0x39'),
      vipPresent(worker2, 'web_VIP_3', '10.0.0.102', '0x39'),
      vipReachable(worker2, '10.0.0.102', '0x39'),
      // 10.0.0.103 in another namespace, a single node: it holds the VIP and nobody observes it.
      series(
        metricNames.vipPresent,
        { ...worker3, job: scope.job, namespace: 'alone', vrrp_instance: 'one_VIP_1', vip: '10.0.0.103' },
        '1x39',
      ),
    ],
    alert_rule_test: quiet('VIPUnreachable', '1m', '2m30s', '3m', '5m', '9m'),
  },
  {
    name: 'ExporterDown fires: one target down for 5 minutes',
    input_series: [
      series('up', targetLabels(worker1), '1x39'),
      series('up', targetLabels(worker2), runs([1, 4], [0, 36])),
    ],
    alert_rule_test: [
      firing('6m', 'ExporterDown', [
        { ...targetLabels(worker2), severity: 'warning' },
        'ipfailover-toolkit exporter 10.0.0.22:9101 on worker-2 is down',
        'Prometheus has failed to scrape the exporter target 10.0.0.22:9101 (node worker-2) for 5 minutes: the other ipfailover alerts are blind there.',
      ]),
    ],
  },
  {
    name: 'ExporterDown fires: no target of the job at all',
    input_series: [series('up', { instance: '10.0.0.21:9100', job: 'node-exporter' }, '1x39')],
    alert_rule_test: [
      firing('6m', 'ExporterDown', [
        { job: 'ipfailover-toolkit', severity: 'warning' },
        'No ipfailover-toolkit exporter is scraped',
        'No target matching job="ipfailover-toolkit" has existed for 5 minutes: the other ipfailover alerts are blind there.',
      ]),
    ],
  },
  {
    name: 'ExporterDown quiet: all up, and one target down for 4 minutes',
    input_series: [
      series('up', targetLabels(worker1), '1x39'),
      series('up', targetLabels(worker2), runs([1, 4], [0, 16], [1, 20])),
    ],
    alert_rule_test: quiet('ExporterDown', '4m', '5m', '9m'),
  },
];

const unitTests = {
  rule_files: ['rules.yaml'],
  evaluation_interval: '15s',
  tests: groups.map(({ interval = '15s', ...group }) => ({ interval, ...group })),
};

// ---- the tests ----------------------------------------------------------------------------------

describe('alert rules', () => {
  it('deploy/prometheus-rules.yaml is what scripts/generate-deploy.ts writes now', () => {
    expect(readFileSync('deploy/prometheus-rules.yaml', 'utf8')).toBe(prometheusRuleYaml());
  });

  it('the PrometheusRule validates against the CRD schema, as built and as committed', () => {
    const rule = prometheusRule();
    expect(() => rule.validate()).not.toThrow();
    expect(rule.toJSON()).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'ipfailover-toolkit', labels: ruleLabels },
      spec: { groups: [{ name: 'ipfailover-toolkit', rules: alertRules() }] },
    });
    const committed = parse(readFileSync('deploy/prometheus-rules.yaml', 'utf8'));
    expect(() => new PrometheusRule(committed).validate()).not.toThrow();
    // A broken rule is caught by the same validation.
    const broken = new PrometheusRule({
      spec: { groups: [{ name: 'x', rules: [{ alert: 'NoExpr' }] }] },
    } as never);
    expect(() => broken.validate()).toThrow();
  });

  it('every alert has a severity, a summary, a description and a runbook with oc commands', () => {
    expect(alertNames).toEqual([
      'VIPNoMaster',
      'VIPSplitBrain',
      'VIPFlapping',
      'NodeFault',
      'CheckFailing',
      'CheckStale',
      'ProberDown',
      'StateMismatch',
      'VIPUnreachable',
      'ExporterDown',
    ]);
    for (const rule of alertRules()) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).not.toBe('');
      expect(rule.annotations.description, rule.alert).not.toBe('');
      expect(rule.annotations.runbook, rule.alert).toMatch(/^1\. .*\n2\. /);
      expect(rule.annotations.runbook, rule.alert).toMatch(/\boc -n "\$NS" /);
      // Plain text: nothing Prometheus would expand as a template.
      expect(rule.annotations.runbook, rule.alert).not.toContain('{{');
    }
  });

  it('the ExporterDown runbook names the scrape object the packager ships, a PodMonitor', () => {
    const { kind } = podMonitor('ipfailover').toJSON();
    const runbook = rules.get('ExporterDown')?.annotations.runbook ?? '';
    expect(runbook).toContain(`the ${kind} is missing`);
    expect(runbook).toContain(`get ${kind.toLowerCase()} `);
    expect(runbook).not.toMatch(/servicemonitor/i);
  });

  it('options: the job selector reaches every expression, the namespace the object and the runbooks', () => {
    const options = { jobSelector: 'job="ipft", namespace="ha"', namespace: 'ha' };
    const rule = prometheusRule(options).toJSON();
    expect(rule.metadata.namespace).toBe('ha');
    for (const { alert, expr, annotations } of alertRules(options)) {
      expect(expr, alert).toContain('{job="ipft", namespace="ha"');
      expect(expr, alert).not.toContain('ipfailover-toolkit');
      expect(annotations.runbook, alert).toMatch(/^1\. NS=ha\b/);
    }
    expect(prometheusRule().toJSON().metadata).not.toHaveProperty('namespace');
    expect(() => alertRules({ jobSelector: '{job="x"}' })).toThrow(
      'Expected the jobSelector option to be PromQL label matchers without braces, such as job="ipfailover-toolkit", got "{job=\\"x\\"}"',
    );
    expect(() => alertRules({ namespace: 'Bad_NS' })).toThrow(
      'Expected the namespace option to be a Kubernetes namespace name (DNS-1123 label), got "Bad_NS"',
    );
  });

  it.each([
    ['the defaults', {}],
    ['a custom selector', { jobSelector: 'job="ipft", namespace="ha"', namespace: 'ha' }],
  ])('promtool check rules accepts the rule file with %s', (_, options: AlertOptions) => {
    const directory = writeRules(options);
    const result = promtool(['check', 'rules', 'rules.yaml'], directory);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${alertNames.length} rules found`);
  });

  it('the promtool unit tests cover every alert: firing with exact labels and severity, and quiet', () => {
    for (const alertname of alertNames) {
      const tests = groups.flatMap((group) => group.alert_rule_test).filter((t) => t.alertname === alertname);
      expect(
        tests.some((t) => t.exp_alerts.length > 0),
        `${alertname} fires somewhere`,
      ).toBe(true);
      expect(
        tests.some((t) => t.exp_alerts.length === 0),
        `${alertname} stays quiet somewhere`,
      ).toBe(true);
      for (const { exp_alerts } of tests) {
        for (const { exp_labels } of exp_alerts) {
          expect(exp_labels.severity, alertname).toBe(rules.get(alertname)?.labels.severity);
        }
      }
    }
  });

  it('promtool test rules passes every case', () => {
    const directory = writeRules({}, unitTests);
    const result = promtool(['test', 'rules', 'tests.yaml'], directory);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});
