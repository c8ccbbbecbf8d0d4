/**
 * A Grafana dashboard for the exporter's metrics (dist/deploy/grafana-dashboard.json, generated only:
 * a committed copy would be one more file to keep equal to this code). Typed after Grafana's dashboard
 * JSON model, the subset used here; test/package.test.ts checks every query with promtool.
 */
import { alertNames, DEFAULT_JOB_SELECTOR } from './alerts.ts';
import { type MetricName, metricNames } from './metric-names.ts';

interface DataSourceRef {
  readonly type: 'prometheus';
  readonly uid: '${datasource}';
}

interface Target {
  readonly refId: string;
  readonly datasource: DataSourceRef;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly range?: boolean;
  readonly format?: 'time_series' | 'table';
}

interface ValueMapping {
  readonly type: 'value';
  readonly options: Readonly<Record<string, { readonly text: string; readonly color: string }>>;
}

interface Panel {
  readonly id: number;
  readonly type: 'state-timeline' | 'timeseries' | 'table';
  readonly title: string;
  readonly description: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource: DataSourceRef;
  readonly targets: readonly Target[];
  readonly fieldConfig: {
    readonly defaults: {
      readonly unit?: string;
      readonly mappings?: readonly ValueMapping[];
      readonly custom?: Readonly<Record<string, unknown>>;
    };
    readonly overrides: readonly unknown[];
  };
  readonly options: Readonly<Record<string, unknown>>;
}

interface Variable {
  readonly name: string;
  readonly label: string;
  readonly type: 'datasource' | 'query';
  readonly query: string | { readonly query: string; readonly refId: string };
  readonly datasource?: DataSourceRef;
  readonly includeAll?: boolean;
  readonly multi?: boolean;
  readonly allValue?: string;
  readonly refresh?: 1 | 2;
  readonly current: Readonly<Record<string, unknown>>;
}

export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly editable: boolean;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly timezone: string;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, filled in by Grafana.
const datasource: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** The alerts of exporter/alerts.ts, by name: Prometheus's ALERTS series of every other rule is left out. */
const ALERTS_SELECTOR = `ALERTS{alertname=~"${alertNames.join('|')}"}`;

export function grafanaDashboard(jobSelector: string = DEFAULT_JOB_SELECTOR): GrafanaDashboard {
  const select = (metric: MetricName | `${MetricName}_${'sum' | 'count' | 'bucket'}`) =>
    `${metric}{${jobSelector}, namespace=~"$namespace"}`;
  const target = (expr: string, legendFormat?: string): Target => ({
    refId: 'A',
    datasource,
    expr,
    ...(legendFormat ? { legendFormat } : {}),
  });
  const passFail = (pass: string, fail: string): ValueMapping => ({
    type: 'value',
    options: { '1': { text: pass, color: 'green' }, '0': { text: fail, color: 'transparent' } },
  });
  const panels: Panel[] = [
    {
      id: 1,
      type: 'state-timeline',
      title: 'Which node holds each VIP',
      description: `${metricNames.vipPresent}: the VIP is on one of the node’s interfaces at scrape time (the ground truth, not what keepalived says). One row per VIP and node; two green rows for one VIP at once is a split brain.`,
      gridPos: { x: 0, y: 0, w: 24, h: 10 },
      datasource,
      targets: [target(`max by (vip, node) (${select(metricNames.vipPresent)})`, '{{vip}} on {{node}}')],
      fieldConfig: { defaults: { mappings: [passFail('holds', 'not here')] }, overrides: [] },
      options: { mergeValues: true, showValue: 'never', rowHeight: 0.8 },
    },
    {
      id: 2,
      type: 'timeseries',
      title: 'VRRP transitions per hour',
      description: `increase(${metricNames.vrrpTransitions}[1h]) by instance and new state, from the notify hook’s records.`,
      gridPos: { x: 0, y: 10, w: 12, h: 8 },
      datasource,
      targets: [
        target(
          `sum by (vrrp_instance, to) (increase(${select(metricNames.vrrpTransitions)}[1h]))`,
          '{{vrrp_instance}} to {{to}}',
        ),
      ],
      fieldConfig: {
        defaults: { unit: 'short', custom: { drawStyle: 'bars', fillOpacity: 60 } },
        overrides: [],
      },
      options: { legend: { displayMode: 'table', placement: 'right' } },
    },
    {
      id: 3,
      type: 'table',
      title: 'Active alerts',
      description: 'The ipfailover-toolkit alerts now pending or firing (exporter/alerts.ts).',
      gridPos: { x: 12, y: 10, w: 12, h: 8 },
      datasource,
      targets: [{ ...target(ALERTS_SELECTOR), instant: true, range: false, format: 'table' }],
      fieldConfig: { defaults: {}, overrides: [] },
      options: { showHeader: true, sortBy: [{ displayName: 'alertname', desc: false }] },
    },
    {
      id: 4,
      type: 'state-timeline',
      title: 'Check success per node',
      description: `${metricNames.checkSuccess}: the probe’s own result at each run (${metricNames.checkPassing} is what keepalived was told after IPF_CHECK_FALL / IPF_CHECK_RISE).`,
      gridPos: { x: 0, y: 18, w: 12, h: 8 },
      datasource,
      targets: [
        target(`min by (check, node) (${select(metricNames.checkSuccess)})`, '{{check}} on {{node}}'),
      ],
      fieldConfig: {
        defaults: {
          mappings: [
            {
              type: 'value',
              options: { '1': { text: 'pass', color: 'green' }, '0': { text: 'fail', color: 'red' } },
            },
          ],
        },
        overrides: [],
      },
      options: { mergeValues: true, showValue: 'auto' },
    },
    {
      id: 5,
      type: 'timeseries',
      title: 'Check duration',
      description: `${metricNames.checkDuration} of the last run. keepalived kills a run that lasts OPENSHIFT_HA_CHECK_INTERVAL; the checks stop 300 ms before it.`,
      gridPos: { x: 12, y: 18, w: 12, h: 8 },
      datasource,
      targets: [
        target(`max by (check, node) (${select(metricNames.checkDuration)})`, '{{check}} on {{node}}'),
      ],
      fieldConfig: { defaults: { unit: 's' }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' } },
    },
    {
      id: 6,
      type: 'state-timeline',
      title: 'VIP reachability, from each other node',
      description: `${metricNames.vipReachable}: whether the VIP answered this node’s last TCP connect (a SYN-ACK or a RST), every IPF_REACH_INTERVAL_MS. The holder does not probe its own VIPs. A VIP held somewhere that every row shows unreached is what VIPUnreachable alerts on: port security, ARP, a firewall.`,
      gridPos: { x: 0, y: 26, w: 12, h: 8 },
      datasource,
      targets: [target(`max by (vip, node) (${select(metricNames.vipReachable)})`, '{{vip}} from {{node}}')],
      fieldConfig: {
        defaults: {
          mappings: [
            {
              type: 'value',
              options: { '1': { text: 'answers', color: 'green' }, '0': { text: 'silent', color: 'red' } },
            },
          ],
        },
        overrides: [],
      },
      options: { mergeValues: true, showValue: 'never', rowHeight: 0.8 },
    },
    {
      id: 7,
      type: 'timeseries',
      title: 'Client-visible outage per failover',
      description: `${metricNames.vipUnreachable}: each period a VIP answered no connect from an observing node, observed when it answered again. The mean per VIP over the last hour; a graceful move costs the backup’s skew time (under 1 s), a dead node 3 to 4 s.`,
      gridPos: { x: 12, y: 26, w: 12, h: 8 },
      datasource,
      targets: [
        target(
          `sum by (vip) (increase(${select(`${metricNames.vipUnreachable}_sum`)}[1h])) / sum by (vip) (increase(${select(`${metricNames.vipUnreachable}_count`)}[1h]))`,
          '{{vip}}',
        ),
      ],
      fieldConfig: {
        defaults: { unit: 's', custom: { drawStyle: 'bars', fillOpacity: 60 } },
        overrides: [],
      },
      options: { legend: { displayMode: 'table', placement: 'right' } },
    },
  ];
  return {
    uid: 'ipfailover-toolkit',
    title: 'IP failover (ipfailover-toolkit)',
    description: `VIP ownership and reachability, VRRP transitions, checks, outages and the alerts ${alertNames.join(', ')}.`,
    tags: ['ipfailover', 'keepalived', 'openshift'],
    schemaVersion: 39,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'utc',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} },
        {
          name: 'namespace',
          label: 'Namespace',
          type: 'query',
          datasource,
          query: {
            query: `label_values(${metricNames.buildInfo}{${jobSelector}}, namespace)`,
            refId: 'namespaces',
          },
          includeAll: true,
          multi: true,
          allValue: '.*',
          refresh: 2,
          current: {},
        },
      ],
    },
    panels,
  };
}
