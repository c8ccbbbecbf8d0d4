/**
 * The exporter's alert rules, in one place: `prometheusRule()` for the OpenShift monitoring stack
 * (deploy/prometheus-rules.yaml is its output) and `ruleGroupsYaml()` for promtool. Pure: no I/O.
 *
 * Every series is per node: one scrape target per node, with the target labels `instance`, `job` and
 * `node` (and `namespace` from the PodMonitor). Aggregations keep `namespace` and `job` so that two
 * ipfailover deployments that reuse an instance name are not counted together.
 */

import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { stringify } from 'yaml';
import { defaultStateDir } from '../core/common-settings.ts';
import { isDnsLabel } from '../core/kube-names.ts';
import { statusPath } from '../core/report.ts';
import { labelNames, type MetricName, metricNames } from './metric-names.ts';

export type Severity = 'critical' | 'warning';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: Severity };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook: string };
}

export interface AlertOptions {
  /** PromQL matchers for the exporter's targets, without braces. Default `job="ipfailover-toolkit"`. */
  readonly jobSelector?: string;
  /** Namespace of the PrometheusRule and of the ipfailover pods. Unset: the object has none (`oc apply -n`). */
  readonly namespace?: string;
}

export const DEFAULT_JOB_SELECTOR = 'job="ipfailover-toolkit"';
const RULE_NAME = 'ipfailover-toolkit';
const GROUP_NAME = 'ipfailover-toolkit';

interface Context {
  /** `name{<job selector>, <extra>}`; `up` is Prometheus's own, per target. */
  readonly select: (metric: MetricName | 'up', extra?: string) => string;
  readonly jobSelector: string;
  /** The value to give NS in runbooks. */
  readonly namespace: string;
}

interface AlertDefinition {
  readonly alert: string;
  readonly severity: Severity;
  readonly for?: string;
  readonly expr: (context: Context) => string;
  readonly summary: string;
  readonly description: string | ((context: Context) => string);
  /** The values the runbook's steps use: its first step sets them, after NS. */
  readonly sets: readonly RunbookValue[];
  /** Plain text (no templates): the steps for the SRE on call after the first (and, with `node`, the pod on it). */
  readonly runbook: readonly string[] | ((context: Context) => string[]);
}

/** The aggregation of everything that describes one VRRP instance across nodes. */
const perInstance = `namespace, job, ${labelNames.vrrpInstance}`;
/** The matcher of the one vrrp_state series per instance and target that says MASTER. */
const master = `${labelNames.state}="master"`;

/** How the runbooks name the values they need, besides NS; each runbook sets the ones it uses first. */
const runbookValues = {
  node: 'NODE=<the alert’s node label>',
  instance: 'INSTANCE=<the alert’s vrrp_instance label>',
  vip: 'VIP=<the alert’s vip label>',
} as const;
type RunbookValue = keyof typeof runbookValues;
/** The second step of every runbook that sets `node`. */
const podOnNode =
  'POD=<the ipfailover pod on that node, from: oc -n "$NS" get pods -o wide --field-selector spec.nodeName="$NODE">';
const transitionsLog = `oc -n "$NS" logs "$POD" --since=30m | grep -E "$INSTANCE.*Entering|-check: FAIL"`;

const definitions: readonly AlertDefinition[] = [
  {
    alert: 'VIPNoMaster',
    severity: 'critical',
    for: '1m',
    // The instances are those any node reports (even one node, in any state), less those with a master.
    expr: ({ select }) => `count by (${perInstance}) (
  group by (namespace, job, instance, vrrp_instance) (${select(metricNames.vrrpState)})
)
unless on (${perInstance})
  (${select(metricNames.vrrpState, master)} == 1)`,
    summary: 'No node is VRRP master for {{ $labels.vrrp_instance }}',
    description:
      '{{ $value }} node(s) report VRRP instance {{ $labels.vrrp_instance }} and none of them has been MASTER for 1 minute: its VIPs answer on no node.',
    sets: ['instance'],
    runbook: [
      'See the state of every ipfailover pod: oc -n "$NS" get pods -o wide, then for each pod: oc -n "$NS" logs <pod> --since=15m | grep -E "$INSTANCE.*Entering|-check: FAIL"',
      'All in FAULT: the check fails on every node. Read the reason lines (-check: FAIL) and fix the application or the check; confirm the check settings with oc -n "$NS" rsh <pod> /etc/ipfailover-toolkit/<check> --validate',
      'All in INIT or BACKUP: keepalived has no check result or the instance is misconfigured. Compare oc -n "$NS" rsh <pod> cat /etc/keepalived/keepalived.conf across pods, and check the script exists and is executable: oc -n "$NS" rsh <pod> ls -l /etc/ipfailover-toolkit/',
      'Fewer pods than nodes: oc -n "$NS" get deploy,pods -o wide and oc -n "$NS" describe pod <pod> (privileged SCC, hostNetwork, node selector).',
      'If ExporterDown fires too, the unscraped node may be the master: oc debug node/<node> -- ip -brief address shows whether it holds the VIPs.',
      'Last resort: restart the ipfailover pods one at a time, oc -n "$NS" delete pod <pod>, and watch this alert clear.',
    ],
  },
  {
    alert: 'VIPSplitBrain',
    severity: 'critical',
    for: '30s',
    // The number of nodes claiming the instance: as MASTER, or (a split brain keepalived no longer
    // reports, acassen/keepalived#1884) by holding one of its VIPs.
    expr: ({ select }) => `(
  count by (${perInstance}) (${select(metricNames.vrrpState, master)} == 1) > 1
)
or
(
  max by (${perInstance}) (
    count by (${perInstance}, vip) (${select(metricNames.vipPresent)} == 1)
  ) > 1
)`,
    summary: 'Split brain: {{ $value }} nodes claim {{ $labels.vrrp_instance }}',
    description:
      '{{ $value }} nodes have claimed VRRP instance {{ $labels.vrrp_instance }} for 30 seconds, as MASTER or by holding one of its VIPs. Clients reach whichever node answered ARP last.',
    sets: ['instance'],
    runbook: [
      `Find the nodes in Observe > Metrics: ${metricNames.vrrpState}{vrrp_instance="<instance>",state="master"} == 1 and ${metricNames.vipPresent}{vrrp_instance="<instance>"} == 1`,
      'Check that the nodes hear each other’s adverts (VRRP, IP protocol 112, to 224.0.0.18 unless unicast): oc debug node/<node> -- tcpdump -ni <interface> -c 10 vrrp. Two masters each seeing only its own adverts means multicast is blocked: set OPENSHIFT_HA_UNICAST_PEERS, or open the network path.',
      'Adverts from a foreign router with the same VRID: another keepalived shares the segment. Run ipft lint on every ipfailover Deployment and move OPENSHIFT_HA_VRRP_ID_OFFSET apart.',
      'One MASTER but the VIP on two nodes: a healed split brain left the VIP behind (keepalived sends no notify for it). Restart the ipfailover pod on the node that is not MASTER: oc -n "$NS" delete pod <pod>, or remove the address there: oc -n "$NS" rsh <pod> ip address del <vip>/32 dev <interface>',
      'Confirm one owner: oc -n "$NS" logs <pod> --since=10m | grep -E "$INSTANCE.*Entering" on each node shows one MASTER, and this alert clears.',
    ],
  },
  {
    alert: 'VIPFlapping',
    severity: 'warning',
    // round(): increase() extrapolates to the window's edges, so 4 transitions can read 4.1.
    expr: ({ select }) => `round(
  sum by (${perInstance}) (increase(${select(metricNames.vrrpTransitions, `${labelNames.to}="master"`)}[15m]))
) > 4`,
    summary: '{{ $labels.vrrp_instance }} is flapping',
    description:
      'VRRP instance {{ $labels.vrrp_instance }} became MASTER {{ $value }} times in the last 15 minutes (more than 4); every move breaks the connections to its VIPs.',
    sets: ['instance'],
    runbook: [
      'Read the transitions: for each ipfailover pod, oc -n "$NS" logs <pod> --since=30m | grep -E "$INSTANCE.*Entering|-check: FAIL"',
      'FAULT between the moves: the check flaps. Read its reason lines, fix the cause, and absorb blips with hysteresis: oc -n "$NS" set env deploy/<ipfailover deployment> IPF_CHECK_FALL=3 IPF_CHECK_RISE=2',
      'MASTER and BACKUP only: adverts are lost (network drops, CPU starvation on the node: oc adm top node) or nodes preempt each other. Check oc -n "$NS" set env deploy/<ipfailover deployment> --list | grep OPENSHIFT_HA_PREEMPTION; preempt_delay 300 (the default) or nopreempt stops a returning node from taking the VIPs back at once.',
      'Pods restarting (oc -n "$NS" get pods, RESTARTS): each restart re-rolls the priorities; find the restart cause with oc -n "$NS" describe pod <pod>.',
    ],
  },
  {
    alert: 'NodeFault',
    severity: 'warning',
    for: '5m',
    expr: ({ select }) => `${select(metricNames.vrrpState, `${labelNames.state}="fault"`)} == 1`,
    summary: '{{ $labels.vrrp_instance }} is in FAULT on {{ $labels.node }}',
    description:
      'VRRP instance {{ $labels.vrrp_instance }} has been in FAULT on node {{ $labels.node }} for 5 minutes: the check fails there (one failed run faults every instance of the node) or its interface is down. The node cannot take the VIPs over.',
    sets: ['node', 'instance'],
    runbook: [
      `Why: ${transitionsLog}`,
      'A -check: FAIL line names what failed. Confirm the settings with oc -n "$NS" rsh "$POD" /etc/ipfailover-toolkit/<check> --validate and fix the application on that node (the check probes the node itself).',
      'No check failure: the interface may be down. oc debug node/"$NODE" -- ip -brief link and compare with OPENSHIFT_HA_NETWORK_INTERFACE (oc -n "$NS" set env deploy/<ipfailover deployment> --list).',
      'Until it is fixed this node gives no redundancy; if it is the last healthy one, VIPNoMaster follows.',
    ],
  },
  {
    alert: 'CheckFailing',
    severity: 'warning',
    for: '2m',
    expr: ({ select }) => `${select(metricNames.checkSuccess)} == 0`,
    summary: 'Check {{ $labels.check }} fails on {{ $labels.node }}',
    description: `The {{ $labels.check }} probe has failed on node {{ $labels.node }} for 2 minutes. Once keepalived is told (${metricNames.checkPassing} 0, after IPF_CHECK_FALL failures), every VRRP instance of the node goes to FAULT.`,
    sets: ['node'],
    runbook: [
      `Read the reason: oc -n "$NS" logs "$POD" --since=10m | grep -- "-check: FAIL" (or oc -n "$NS" rsh "$POD" cat ${statusPath(defaultStateDir, '<check>')})`,
      'Confirm the settings and the target: oc -n "$NS" rsh "$POD" /etc/ipfailover-toolkit/<check> --validate',
      'Probe the target by hand from the node (the pod uses the host network): oc -n "$NS" rsh "$POD" curl -sv <url>, or for TCP: oc -n "$NS" rsh "$POD" bash -c "</dev/tcp/<host>/<port>"',
      'Fix the application on that node. If the check is wrong, fix its IPF_* settings: oc -n "$NS" set env deploy/<ipfailover deployment> IPF_...=...',
    ],
  },
  {
    alert: 'CheckStale',
    severity: 'warning',
    for: '1m',
    expr: ({ select }) => `time() - ${select(metricNames.checkLastRun)} > 60`,
    summary: 'Check {{ $labels.check }} stopped running on {{ $labels.node }}',
    description:
      'The {{ $labels.check }} check last ran {{ $value | humanizeDuration }} ago on node {{ $labels.node }}; keepalived runs it every OPENSHIFT_HA_CHECK_INTERVAL seconds. A check keepalived has disabled never fails, so the node keeps its VIPs whatever the application does.',
    sets: ['node'],
    runbook: [
      'keepalived disables a check script that is missing or not executable: oc -n "$NS" logs "$POD" | grep -i -E "script|VRRP_Script", and oc -n "$NS" rsh "$POD" ls -l /etc/ipfailover-toolkit/ (the ConfigMap volume needs defaultMode 493).',
      'Compare the script keepalived runs with the file: oc -n "$NS" set env deploy/<ipfailover deployment> --list | grep OPENSHIFT_HA_CHECK_SCRIPT',
      `The status record must be writable: oc -n "$NS" rsh "$POD" ls -l ${defaultStateDir}/ (IPF_STATE_DIR); a check that cannot write it still runs but is not seen.`,
      'keepalived itself stopped: oc -n "$NS" rsh "$POD" ps -ef | grep keepalived; restart the pod with oc -n "$NS" delete pod "$POD"',
    ],
  },
  {
    alert: 'ProberDown',
    severity: 'critical',
    // Sooner than CheckStale (2 minutes): verdict.sh fails every run without the prober, so the node's
    // VIPs leave once IPF_CHECK_FALL runs have failed, and this says why.
    for: '30s',
    expr: ({ select }) => `${select(metricNames.proberUp)} == 0`,
    summary: 'The ipfailover prober on {{ $labels.node }} is down',
    description:
      'The ipft-prober container on node {{ $labels.node }} has not written its heartbeat for 30 s. keepalived runs verdict.sh, which fails every run without the prober: the node gives up its VIPs after IPF_CHECK_FALL runs, and takes none.',
    sets: ['node'],
    runbook: [
      'The prober container: oc -n "$NS" get pod "$POD" -o jsonpath=\'{.status.initContainerStatuses[?(@.name=="ipft-prober")]}{.status.containerStatuses[?(@.name=="ipft-prober")]}\' (restarts, OOMKilled, a failing startupProbe).',
      'Its log: oc -n "$NS" logs "$POD" -c ipft-prober --previous; bad settings exit 1 at start with one line per setting (the envFrom ConfigMap ipfailover-toolkit-settings).',
      'What keepalived sees: oc -n "$NS" logs "$POD" -c <keepalived container> | grep verdict.sh ("no prober on 127.0.0.1:PORT" or "no answer").',
      'Another process on the prober port answers instead: oc debug node/"$NODE" -- chroot /host ss -ltnp | grep <IPF_PROBER_PORT>.',
    ],
  },
  {
    alert: 'StateMismatch',
    severity: 'critical',
    for: '1m',
    // Per scrape target (node): a VIP missing on a MASTER, or a VIP held where the instance is not MASTER.
    expr: ({ select }) => `(
  (${select(metricNames.vipPresent)} == 0)
  and on (instance, ${labelNames.vrrpInstance})
  (${select(metricNames.vrrpState, master)} == 1)
)
or
(
  (${select(metricNames.vipPresent)} == 1)
  unless on (instance, ${labelNames.vrrpInstance})
  (${select(metricNames.vrrpState, master)} == 1)
)`,
    summary: 'VIP {{ $labels.vip }} and VRRP state disagree on {{ $labels.node }}',
    description:
      '{{ if eq $value 1.0 }}VIP {{ $labels.vip }} is on node {{ $labels.node }} but {{ $labels.vrrp_instance }} is not MASTER there{{ else }}{{ $labels.vrrp_instance }} is MASTER on node {{ $labels.node }} but its VIP {{ $labels.vip }} is on none of the node’s interfaces{{ end }}, for 1 minute.',
    sets: ['node', 'instance', 'vip'],
    runbook: [
      'What the kernel has: oc -n "$NS" rsh "$POD" ip -brief address | grep -F "$VIP"; what keepalived thinks: oc -n "$NS" logs "$POD" --since=1h | grep -E "$INSTANCE.*Entering"',
      'MASTER without the VIP: something removed the address (NetworkManager, a bridge reconfiguration on br-ex) and keepalived re-adds it only on a transition. Restart the pod so another node takes over: oc -n "$NS" delete pod "$POD"',
      'VIP held but not MASTER: a leftover from a healed split brain or a killed pod. If another node is MASTER (VIPSplitBrain fires too), remove it here: oc -n "$NS" rsh "$POD" ip address del "$VIP"/32 dev <interface>, or delete the pod.',
      'Confirm: the VIP is on exactly one node, the MASTER, and the alert clears.',
    ],
  },
  {
    alert: 'VIPUnreachable',
    severity: 'critical',
    for: '1m',
    // Every exporter probes the VIPs it does not hold, so the holder has no series: a VIP is
    // unreachable when it is held somewhere and no observer's last connect was answered. With one
    // node nobody observes, and there is no series to alert on.
    expr: ({ select }) => `(
  max by (namespace, job, ${labelNames.vip}) (${select(metricNames.vipReachable)}) == 0
)
and on (namespace, job, ${labelNames.vip})
(
  max by (namespace, job, ${labelNames.vip}) (${select(metricNames.vipPresent)}) == 1
)`,
    summary: 'VIP {{ $labels.vip }} answers no other node',
    description:
      'VIP {{ $labels.vip }} is on a node’s interface, but for 1 minute no connection to it from any other node was answered, not even with a reset: clients cannot reach it where it is. VIPSplitBrain, VIPNoMaster and StateMismatch cannot see this.',
    sets: ['vip'],
    runbook: [
      `Find its owner: Observe > Metrics: ${metricNames.vipPresent}{vip="<vip>"} == 1 (the node label), or on each pod: oc -n "$NS" rsh <pod> ip -brief address | grep -F "$VIP"`,
      'ARP, from another node: oc debug node/<other node> -- chroot /host arping -c 3 -I <interface> "$VIP". No reply while the owner holds the VIP: its ARP answers are dropped on the way (port security, a switch). Replies from a MAC that is not the owner’s: another host claims the address, or a switch kept the old owner.',
      'On Red Hat OpenStack Platform: the port of every node that may hold the VIP must allow it, as the product document’s RHOSP steps set up. List: openstack port show <port> -c allowed_address_pairs; add: openstack port set <port> --allowed-address ip-address="$VIP",mac-address=<that port’s MAC> (the document’s example MAC fa:fa:16:3e:31:f9:cb has seven octets: use the port’s own).',
      'The owner’s own firewall: oc debug node/<owner> -- chroot /host nft list ruleset | grep -n -E "drop|reject", and the cloud’s or SDN’s security groups for the VIP and the port.',
      'Confirm: oc debug node/<other node> -- chroot /host bash -c "</dev/tcp/$VIP/<port>" answers at once (connected, or connection refused: not a timeout), and the alert clears.',
    ],
  },
  {
    alert: 'ExporterDown',
    severity: 'warning',
    for: '5m',
    expr: ({ select }) => `${select('up')} == 0 or absent(${select('up')})`,
    summary:
      '{{ if $labels.instance }}ipfailover-toolkit exporter {{ $labels.instance }} on {{ $labels.node }} is down{{ else }}No ipfailover-toolkit exporter is scraped{{ end }}',
    description: ({ jobSelector }) =>
      `{{ if $labels.instance }}Prometheus has failed to scrape the exporter target {{ $labels.instance }} (node {{ $labels.node }}) for 5 minutes{{ else }}No target matching ${jobSelector} has existed for 5 minutes{{ end }}: the other ipfailover alerts are blind there.`,
    sets: [],
    runbook: (c) => [
      'The exporter pods: oc -n "$NS" get pods -o wide; for the node in the alert: oc -n "$NS" describe pod <pod> and oc -n "$NS" logs <pod> -c <exporter container> --previous',
      'The scrape: oc -n "$NS" get podmonitor -o wide, and Observe > Targets in the console for the error.',
      `No target at all: the PodMonitor is missing, its job label differs from ${c.jobSelector}, or monitoring for user-defined projects is off: oc -n openshift-user-workload-monitoring get pods`,
      'While it is down, check the node by hand: oc debug node/<node> -- ip -brief address shows which VIPs it holds.',
    ],
  },
];

/** The names of all alerts, in rule order. */
export const alertNames: readonly string[] = definitions.map((definition) => definition.alert);

/** The runbook's steps: the values it uses set first, then on a node the pod there, then its own. */
function runbookSteps(definition: AlertDefinition, c: Context): string[] {
  const first = [`NS=${c.namespace}`, ...definition.sets.map((value) => runbookValues[value])].join(' ');
  const steps = typeof definition.runbook === 'function' ? definition.runbook(c) : definition.runbook;
  return [first, ...(definition.sets.includes('node') ? [podOnNode] : []), ...steps];
}

function context(options: AlertOptions): Context {
  const jobSelector = (options.jobSelector ?? DEFAULT_JOB_SELECTOR).trim();
  if (jobSelector === '' || /[{}]/.test(jobSelector)) {
    throw new Error(
      `Expected the jobSelector option to be PromQL label matchers without braces, such as ${DEFAULT_JOB_SELECTOR}, got ${JSON.stringify(options.jobSelector)}`,
    );
  }
  const { namespace } = options;
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new Error(
      `Expected the namespace option to be a Kubernetes namespace name (DNS-1123 label), got ${JSON.stringify(namespace)}`,
    );
  }
  return {
    jobSelector,
    namespace: namespace ?? '<the alert’s namespace label>',
    select: (metric, extra) => `${metric}{${jobSelector}${extra ? `, ${extra}` : ''}}`,
  };
}

/** The alert rules with the options applied, in the order of the rule file. */
export function alertRules(options: AlertOptions = {}): AlertRule[] {
  const c = context(options);
  return definitions.map((definition) => ({
    alert: definition.alert,
    expr: definition.expr(c),
    ...(definition.for ? { for: definition.for } : {}),
    labels: { severity: definition.severity },
    annotations: {
      summary: definition.summary,
      description:
        typeof definition.description === 'string' ? definition.description : definition.description(c),
      runbook: runbookSteps(definition, c)
        .map((step, index) => `${index + 1}. ${step}`)
        .join('\n'),
    },
  }));
}

/**
 * Labels for both OpenShift stacks: user-workload monitoring evaluates the rule in its own Prometheus
 * (leaf-prometheus: every series used here is scraped there, so Thanos Ruler is not needed), and the
 * `prometheus`/`role` pair is what cluster monitoring's rule selector has matched in a namespace
 * labelled openshift.io/cluster-monitoring=true.
 */
export const ruleLabels = {
  'app.kubernetes.io/name': 'ipfailover-toolkit',
  'app.kubernetes.io/component': 'alert-rules',
  'app.kubernetes.io/part-of': 'ipfailover-toolkit',
  'openshift.io/prometheus-rule-evaluation-scope': 'leaf-prometheus',
  prometheus: 'k8s',
  role: 'alert-rules',
} as const;

/** The PrometheusRule (monitoring.coreos.com/v1), validated against the CRD's schema. */
export function prometheusRule(options: AlertOptions = {}): PrometheusRule {
  const rule = new PrometheusRule({
    metadata: {
      name: RULE_NAME,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { ...ruleLabels },
    },
    spec: { groups: [{ name: GROUP_NAME, rules: alertRules(options).map((rule) => ({ ...rule })) }] },
  });
  rule.validate();
  return rule;
}

const yamlOptions = { lineWidth: 0 } as const;

/** deploy/prometheus-rules.yaml: the PrometheusRule as YAML, with a header. */
export function prometheusRuleYaml(options: AlertOptions = {}): string {
  return `# Generated by scripts/generate-deploy.ts from exporter/alerts.ts: do not edit.\n${stringify(prometheusRule(options).toJSON(), yamlOptions)}`;
}

/** The same rules as a plain Prometheus rule file (`groups:`), for promtool and non-operator setups. */
export function ruleGroupsYaml(options: AlertOptions = {}): string {
  return stringify({ groups: [{ name: GROUP_NAME, rules: alertRules(options) }] }, yamlOptions);
}
