// Each lint rule on Deployments built in memory: one that it flags, one that it leaves alone. The CLI
// tests (test/unit/lint.test.ts) run the same rules end to end on the fixtures' files and lines.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lint, toIpfailoverDeployment } from '../../core/ipfailover/lint.ts';
import { formatPath, type ManifestObject, readManifests } from '../../core/ipfailover/manifests.ts';
import { type RuleId, rules } from '../../core/ipfailover/rules/index.ts';
import type { IpfailoverDeployment, LintInput, NetworkType } from '../../core/ipfailover/rules/rule.ts';
import { counted, plural } from '../../core/plural.ts';
import { temporaryDirectory } from '../support/harness.ts';

interface Container {
  name: string;
  env: { name: string; value?: string }[];
  [field: string]: unknown;
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; configMap: { name: string; defaultMode: number } }[];
  [field: string]: unknown;
}

interface Body {
  metadata: { name: string; namespace: string };
  spec: { replicas: number; template: { spec: PodSpec } };
}

/** test/fixtures/lint/good.yaml, as an object: every rule passes. */
function goodBody(name: string): Body {
  const env = {
    OPENSHIFT_HA_CONFIG_NAME: name,
    OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100-104',
    OPENSHIFT_HA_NETWORK_INTERFACE: 'br-ex',
    OPENSHIFT_HA_MONITOR_PORT: '80',
    OPENSHIFT_HA_VRRP_ID_OFFSET: '10',
    OPENSHIFT_HA_REPLICA_COUNT: '2',
    OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/http-check.js',
    OPENSHIFT_HA_NOTIFY_SCRIPT: '/etc/ipfailover-toolkit/notify.sh',
    OPENSHIFT_HA_PREEMPTION: 'preempt_delay 300',
    OPENSHIFT_HA_CHECK_INTERVAL: '2',
  };
  return {
    metadata: { name, namespace: 'ipfailover' },
    spec: {
      replicas: 2,
      template: {
        spec: {
          serviceAccountName: 'ipfailover',
          hostNetwork: true,
          nodeSelector: { 'node-role.kubernetes.io/worker': '' },
          containers: [
            {
              name: 'openshift-ipfailover',
              image: 'registry.redhat.io/openshift4/ose-keepalived-ipfailover-rhel9:v4.20',
              securityContext: { privileged: true },
              volumeMounts: [{ name: 'ipfailover-toolkit', mountPath: '/etc/ipfailover-toolkit' }],
              env: Object.entries(env).map(([variable, value]) => ({ name: variable, value })),
            },
          ],
          volumes: [
            {
              name: 'ipfailover-toolkit',
              configMap: { name: 'ipfailover-toolkit-scripts', defaultMode: 0o755 },
            },
          ],
        },
      },
    },
  };
}

const keepalivedOf = (body: Body) => body.spec.template.spec.containers[0] as Container;

/** Sets (or, with undefined, removes) a variable of the keepalived container. */
function setEnv(body: Body, name: string, value: string | undefined): void {
  const container = keepalivedOf(body);
  const rest = container.env.filter((entry) => entry.name !== name);
  container.env = value === undefined ? rest : [...rest, { name, value }];
}

function object(kind: string, name: string, body: object): ManifestObject {
  return {
    file: `${name}.yaml`,
    kind,
    name,
    namespace: kind === 'Deployment' ? 'ipfailover' : undefined,
    body: { kind, ...body },
    lineOf: () => undefined,
  };
}

/** good.yaml named `name`, changed by `edit`. */
function deployment(edit: (body: Body) => void = () => {}, name = 'a'): IpfailoverDeployment {
  const body = goodBody(name);
  edit(body);
  return toIpfailoverDeployment(object('Deployment', name, body));
}

const withEnv = (env: Record<string, string | undefined>) => (body: Body) => {
  for (const [name, value] of Object.entries(env)) setEnv(body, name, value);
};

function network(cidrs: string[]): ManifestObject {
  return object('Network', 'cluster', { spec: { externalIP: { autoAssignCIDRs: cidrs } } });
}

function input(
  deployments: IpfailoverDeployment[],
  more: { network?: ManifestObject; networkType?: NetworkType } = {},
): LintInput {
  return { deployments, network: more.network, networkType: more.networkType };
}

const proberContainer = (interval: string): Container => ({
  name: 'ipft-prober',
  env: [{ name: 'OPENSHIFT_HA_CHECK_INTERVAL', value: interval }],
});

const exporterOn = (port: string, nodeSelector: Record<string, string>) => (body: Body) => {
  const { spec } = body.spec.template;
  spec.nodeSelector = nodeSelector;
  spec.containers.push({ name: 'ipft-exporter', env: [{ name: 'IPF_EXPORTER_PORT', value: port }] });
};

/** good.yaml in prober mode, as ipft package writes it, with these IPF_* settings in each container. */
function proberMode(env: Record<'keepalived' | 'prober' | 'exporter', Record<string, string>>, name = 'a') {
  const entries = (values: Record<string, string>) =>
    Object.entries(values).map(([variable, value]) => ({ name: variable, value }));
  return deployment((body) => {
    setEnv(body, 'OPENSHIFT_HA_CHECK_SCRIPT', '/etc/ipfailover-toolkit/verdict.sh http-check');
    withEnv(env.keepalived)(body);
    const { spec } = body.spec.template;
    spec.initContainers = [{ name: 'ipft-prober', restartPolicy: 'Always', env: entries(env.prober) }];
    spec.containers.push({ name: 'ipft-exporter', env: entries(env.exporter) });
  }, name);
}

interface Case {
  /** Input the rule flags, and exactly the messages it gives. */
  readonly fires: () => LintInput;
  readonly messages: readonly string[];
  /** Inputs it leaves alone. */
  readonly quiet: readonly (() => LintInput)[];
}

const good = () => input([deployment()]);

/** good.yaml with these keepalived variables, alone. */
const goodWith = (env: Record<string, string | undefined>) => () => input([deployment(withEnv(env))]);

/** Keyed by rule id, so that a rule without cases fails tsc. */
const cases: Record<RuleId, Case> = {
  'too-many-instances': {
    fires: goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1-255,10.0.1.1-5' }),
    messages: ['OPENSHIFT_HA_VIRTUAL_IPS: makes 260 VRRP instances; IP failover supports at most 254'],
    quiet: [good, goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1-254' })],
  },
  'vrid-out-of-range': {
    fires: goodWith({ OPENSHIFT_HA_VRRP_ID_OFFSET: '253' }),
    messages: [
      'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 256-258, outside 1..255; keepalived drops those 3 instances',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_VRRP_ID_OFFSET: '250' })],
  },
  'octal-offset': {
    fires: goodWith({ OPENSHIFT_HA_VRRP_ID_OFFSET: '010' }),
    messages: ['OPENSHIFT_HA_VRRP_ID_OFFSET: "010" has a leading 0, which bash reads as octal 8'],
    quiet: [good, goodWith({ OPENSHIFT_HA_VRRP_ID_OFFSET: '0' })],
  },
  'excluded-ids-commas': {
    fires: goodWith({ HA_EXCLUDED_VRRP_IDS: '12,13' }),
    messages: ['HA_EXCLUDED_VRRP_IDS: is split on spaces only, so a comma list excludes nothing'],
    quiet: [good, goodWith({ HA_EXCLUDED_VRRP_IDS: '12 13' })],
  },
  'malformed-vip': {
    fires: goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100/24,10.0.0.250-256' }),
    messages: [
      'OPENSHIFT_HA_VIRTUAL_IPS: "10.0.0.100/24" is CIDR notation; the image deletes the "/" and reads "10.0.0.10024", which it drops',
      'OPENSHIFT_HA_VIRTUAL_IPS: "10.0.0.250-256" runs past .255: the image writes invalid addresses up to 10.0.0.256',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '2001:db8::A-C' })],
  },
  'no-vips': {
    fires: goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.9-1' }),
    messages: ['OPENSHIFT_HA_VIRTUAL_IPS: expands to no address: keepalived runs with no VRRP instance'],
    quiet: [good],
  },
  'duplicate-vip': {
    fires: goodWith({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100-104,10.0.0.101' }),
    messages: [
      'OPENSHIFT_HA_VIRTUAL_IPS: lists 10.0.0.101 more than once; the image keeps duplicates, and two instances then fight over one address',
    ],
    quiet: [good],
  },
  'groups-exceed-vips': {
    fires: goodWith({ OPENSHIFT_HA_VIP_GROUPS: '8' }),
    messages: [
      'OPENSHIFT_HA_VIP_GROUPS: is 8, more than the 5 VIPs: the image makes one instance per VIP instead',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_VIP_GROUPS: '5' })],
  },
  'monitor-port': {
    fires: () =>
      input([
        deployment(withEnv({ OPENSHIFT_HA_MONITOR_PORT: '80a' })),
        deployment(withEnv({ OPENSHIFT_HA_MONITOR_PORT: '70000' }), 'b'),
      ]),
    messages: [
      'OPENSHIFT_HA_MONITOR_PORT: "80a" is not a number; the image deletes the non-digits and checks port 80',
      'OPENSHIFT_HA_MONITOR_PORT: "70000" is not a port the check can connect to',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_MONITOR_PORT: '0' })],
  },
  preemption: {
    fires: goodWith({ OPENSHIFT_HA_PREEMPTION: 'preempt_nodelay 300' }),
    messages: [
      'OPENSHIFT_HA_PREEMPTION: "preempt_nodelay 300" comes from the docs, but preempt_nodelay is not a keepalived keyword',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_PREEMPTION: 'nopreempt' })],
  },
  'replica-count': {
    fires: goodWith({ OPENSHIFT_HA_REPLICA_COUNT: undefined }),
    messages: [
      'OPENSHIFT_HA_REPLICA_COUNT (unset): is 1 to the image (its code default; the docs say 2), but spec.replicas is 2; the initial masters are spread for the wrong number of nodes',
    ],
    quiet: [good],
  },
  'use-unicast-ignored': {
    fires: goodWith({ OPENSHIFT_HA_USE_UNICAST: 'true' }),
    messages: [
      'OPENSHIFT_HA_USE_UNICAST: is read by nothing in the image; unicast is on exactly when OPENSHIFT_HA_UNICAST_PEERS is set',
    ],
    quiet: [good],
  },
  'script-not-mounted': {
    fires: () =>
      input([deployment(withEnv({ OPENSHIFT_HA_CHECK_SCRIPT: '/etc/keepalive/mycheckscript.sh' }))]),
    messages: [
      'OPENSHIFT_HA_CHECK_SCRIPT: /etc/keepalive/mycheckscript.sh is under no volumeMount of the container, and the image does not ship it: keepalived disables a missing check',
    ],
    quiet: [good, goodWith({ OPENSHIFT_HA_CHECK_SCRIPT: '/usr/bin/true x' })],
  },
  'script-not-executable': {
    fires: () =>
      input([
        deployment((body) => {
          (
            body.spec.template.spec.volumes[0] as { configMap: { defaultMode: number } }
          ).configMap.defaultMode = 0o644;
        }),
      ]),
    messages: [
      'OPENSHIFT_HA_CHECK_SCRIPT: /etc/ipfailover-toolkit/http-check.js is mounted from volume ipfailover-toolkit with mode 0644, which is not executable; keepalived disables the check',
      'OPENSHIFT_HA_NOTIFY_SCRIPT: /etc/ipfailover-toolkit/notify.sh is mounted from volume ipfailover-toolkit with mode 0644, which is not executable; keepalived disables the check',
    ],
    quiet: [good],
  },
  'check-budget': {
    fires: () =>
      input([
        deployment((body) => {
          setEnv(body, 'OPENSHIFT_HA_CHECK_SCRIPT', '/etc/ipfailover-toolkit/verdict.sh');
          body.spec.template.spec.initContainers = [proberContainer('5')];
        }),
      ]),
    messages: [
      "OPENSHIFT_HA_CHECK_INTERVAL is 5 in the ipft-prober container and 2 in the keepalived container: the probe deadline would follow another interval than keepalived's timeout",
    ],
    quiet: [
      good,
      () =>
        input([
          deployment((body) => {
            setEnv(body, 'OPENSHIFT_HA_CHECK_SCRIPT', '/etc/ipfailover-toolkit/verdict.sh');
            body.spec.template.spec.initContainers = [proberContainer('2')];
          }),
        ]),
    ],
  },
  'misplaced-setting': {
    fires: () =>
      input([
        // The drift case: the maintenance settings left on keepalived, where verdict.sh refuses them.
        proberMode({
          keepalived: {
            IPF_MAINTENANCE_FILE: '/host/maintenance',
            IPF_FOLLOW_CORDON: 'true',
            IPF_MAINTENANCE_LABEL: 'example.com/maintenance',
            IPF_CHECK_TIMEOUT_MS: '500',
            IPF_CHECK_FAL: '3',
          },
          prober: { IPF_CHECK_FALL: '3', IPF_HTTP_STAUTS: '200' },
          exporter: { IPF_HTTP_URL: 'http://127.0.0.1/', IPF_EXPORTER_PROT: '9880' },
        }),
        // One-shot: good.yaml runs http-check.js in keepalived.
        deployment(
          withEnv({ IPF_CHECKS: 'http-check', IPF_EXPORTER_PORT: '9880', IPF_TCP_TARGET: 'a:1' }),
          'b',
        ),
        // No toolkit yet: only a name it does not know.
        deployment(
          withEnv({
            OPENSHIFT_HA_CHECK_SCRIPT: '/etc/keepalive/mycheckscript.sh',
            IPF_HTTP_URL: 'http://127.0.0.1/',
            IPF_TCP_TARGET: 'a:1',
          }),
          'c',
        ),
      ]),
    messages: [
      'IPF_MAINTENANCE_FILE: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it',
      'IPF_FOLLOW_CORDON: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it',
      'IPF_MAINTENANCE_LABEL: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it',
      'IPF_CHECK_TIMEOUT_MS: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it',
      'IPF_CHECK_FAL: set in the keepalived container (openshift-ipfailover), but the toolkit has no setting of that name; did you mean IPF_CHECK_FALL?',
      'IPF_CHECK_FALL: set in ipft-prober, which ignores it; in prober mode the keepalived container (openshift-ipfailover) reads it',
      'IPF_HTTP_STAUTS: set in ipft-prober, but the toolkit has no setting of that name: the prober refuses to start on it, so every run fails; did you mean IPF_HTTP_STATUS?',
      'IPF_HTTP_URL: set in ipft-exporter, which ignores it; in prober mode ipft-prober reads it',
      'IPF_EXPORTER_PROT: set in ipft-exporter, but the toolkit has no setting of that name: the exporter refuses to start on it; did you mean IPF_EXPORTER_PORT?',
      'IPF_CHECKS: set in the keepalived container (openshift-ipfailover), which ignores it; no container reads it in one-shot mode',
      'IPF_EXPORTER_PORT: set in the keepalived container (openshift-ipfailover), which ignores it; in one-shot mode ipft-exporter reads it',
      'IPF_TCP_TARGET: set in the keepalived container (openshift-ipfailover), but the toolkit has no setting of that name: the check bundle fails every run on it; did you mean IPF_TCP_TARGETS?',
      'IPF_TCP_TARGET: set in the keepalived container (openshift-ipfailover), but the toolkit has no setting of that name; did you mean IPF_TCP_TARGETS?',
    ],
    quiet: [
      good,
      // As ipft package writes prober mode: every literal IPF_* setting where it is read.
      () =>
        input([
          proberMode({
            keepalived: {
              IPF_STATE_DIR: '/var/run/ipfailover',
              IPF_PROBER_PORT: '9909',
              IPF_CHECK_FALL: '2',
            },
            prober: {
              IPF_STATE_DIR: '/var/run/ipfailover',
              IPF_PROBER_PORT: '9909',
              IPF_CHECKS: 'http-check',
            },
            exporter: { IPF_STATE_DIR: '/var/run/ipfailover', IPF_EXPORTER_PORT: '9880' },
          }),
        ]),
      // One-shot: the check bundle reads the check settings in keepalived's container.
      goodWith({ IPF_CHECK_TIMEOUT_MS: '500', IPF_HTTP_URL: 'http://127.0.0.1/', IPF_STATE_DIR: '/x' }),
      // Without the toolkit, a known name waits for ipft package to place it.
      goodWith({ OPENSHIFT_HA_CHECK_SCRIPT: '/usr/bin/true', IPF_MAINTENANCE_FILE: '/host/maintenance' }),
    ],
  },
  'host-network': {
    fires: () =>
      input([
        deployment((body) => {
          body.spec.template.spec.hostNetwork = false;
        }),
      ]),
    messages: ['hostNetwork is not true: keepalived would put the VIPs into the pod’s own network namespace'],
    quiet: [good],
  },
  privileged: {
    fires: () =>
      input([
        deployment((body) => {
          delete keepalivedOf(body).securityContext;
        }),
      ]),
    messages: ['the keepalived container is not privileged: it cannot add VIPs or send VRRP'],
    quiet: [good],
  },
  'service-account': {
    fires: () =>
      input([
        deployment((body) => {
          body.spec.template.spec.serviceAccountName = 'default';
        }),
      ]),
    messages: [
      'no service account of its own: the privileged and hostnetwork SCCs must not be granted to `default`',
    ],
    quiet: [good],
  },
  replicas: {
    fires: () =>
      input([
        deployment((body) => {
          body.spec.replicas = 1;
        }),
      ]),
    messages: ['spec.replicas is 1: with one node there is nothing to fail over to'],
    quiet: [good],
  },
  'rollout-strategy': {
    fires: () =>
      input([
        deployment((body) => Object.assign(body.spec, { strategy: { type: 'Recreate' } })),
        // Kubernetes' 25 %/25 % on 2 replicas: a surge of 1, none unavailable.
        deployment((body) => Object.assign(body.spec, { strategy: { type: 'RollingUpdate' } }), 'b'),
        deployment(
          (body) =>
            Object.assign(body.spec, {
              replicas: 3,
              strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '30%' } },
            }),
          'c',
        ),
      ]),
    messages: [
      'strategy is Recreate: every pod stops before any starts, so at each rollout (an upgrade, a changed setting, oc rollout restart) no node holds the VIPs until keepalived is back',
      'RollingUpdate resolves to maxSurge 1 and maxUnavailable 0 for 2 replicas: the pods use hostNetwork, so a surge pod fits on no node that runs one, and with no spare node the rollout waits for it forever',
      'RollingUpdate resolves to maxSurge 1 and maxUnavailable 0 for 3 replicas: the pods use hostNetwork, so a surge pod fits on no node that runs one, and with no spare node the rollout waits for it forever',
    ],
    quiet: [
      good,
      // What ipft package sets.
      () =>
        input([
          deployment((body) =>
            Object.assign(body.spec, {
              strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
            }),
          ),
        ]),
      // A surge with one pod allowed out proceeds: 25 %/25 % of 4 replicas is 1 and 1.
      () =>
        input([
          deployment((body) =>
            Object.assign(body.spec, { replicas: 4, strategy: { type: 'RollingUpdate' } }),
          ),
        ]),
      // 0 and 0 is maxUnavailable 1 to the controller.
      () =>
        input([
          deployment((body) =>
            Object.assign(body.spec, {
              strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } },
            }),
          ),
        ]),
      // Without hostNetwork host-network speaks, not this rule.
      () =>
        input([
          deployment((body) => {
            Object.assign(body.spec, { strategy: { type: 'Recreate' } });
            body.spec.template.spec.hostNetwork = false;
          }),
        ]),
    ],
  },
  'ovn-interface': {
    fires: () =>
      input([deployment(withEnv({ OPENSHIFT_HA_NETWORK_INTERFACE: undefined }))], {
        networkType: 'ovn-kubernetes',
      }),
    messages: [
      'OPENSHIFT_HA_NETWORK_INTERFACE (unset): is unset (auto-detected), but on OVN-Kubernetes the node IP lives on br-ex',
    ],
    quiet: [
      () => input([deployment()], { networkType: 'ovn-kubernetes' }),
      () =>
        input([deployment(withEnv({ OPENSHIFT_HA_NETWORK_INTERFACE: 'ens3' }))], {
          networkType: 'openshift-sdn',
        }),
    ],
  },
  'vrid-overlap': {
    fires: () =>
      input([deployment(), deployment(withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.110-114' }), 'b')]),
    messages: [
      'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 11-15, which Deployment ipfailover/a (a.yaml) also uses; their VRRP instances would join each other',
    ],
    quiet: [
      () =>
        input([
          deployment(),
          deployment(
            withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.110', OPENSHIFT_HA_VRRP_ID_OFFSET: '20' }),
            'b',
          ),
        ]),
    ],
  },
  'vip-in-two-deployments': {
    fires: () => input([deployment(), deployment(withEnv({ OPENSHIFT_HA_VRRP_ID_OFFSET: '20' }), 'b')]),
    messages: [
      'OPENSHIFT_HA_VIRTUAL_IPS: 10.0.0.100, 10.0.0.101, 10.0.0.102, 10.0.0.103, 10.0.0.104 are also VIPs of Deployment ipfailover/a (a.yaml)',
    ],
    quiet: [
      good,
      () =>
        input([
          deployment(),
          deployment(
            withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.110', OPENSHIFT_HA_VRRP_ID_OFFSET: '20' }),
            'b',
          ),
        ]),
    ],
  },
  'toolkit-port-collision': {
    fires: () =>
      input([deployment(exporterOn('9880', { zone: 'east' })), deployment(exporterOn('9880', {}), 'b')]),
    messages: [
      'IPF_EXPORTER_PORT of ipft-exporter is 9880, which Deployment ipfailover/a (a.yaml) also listens on (IPF_EXPORTER_PORT of ipft-exporter), and their nodeSelectors can pick the same node: there the second one cannot bind',
    ],
    quiet: [
      () =>
        input([
          deployment(exporterOn('9880', { zone: 'east' })),
          deployment(exporterOn('9880', { zone: 'west' }), 'b'),
        ]),
      () => input([deployment(exporterOn('9880', {})), deployment(exporterOn('9881', {}), 'b')]),
    ],
  },
  'external-ip-cidr': {
    fires: () => input([deployment()], { network: network(['198.51.100.0/23', '10.0.0.1']) }),
    messages: [
      '198.51.100.0/23 is wider than /24: IP failover serves at most 254 VIPs per cluster',
      '"10.0.0.1" is not an IPv4 CIDR',
    ],
    quiet: [good, () => input([deployment()], { network: network(['203.0.113.0/29']) })],
  },
  'external-ip-not-covered': {
    fires: () => input([deployment()], { network: network(['203.0.113.0/29', '198.51.100.0/23']) }),
    messages: [
      '6 addresses of 203.0.113.0/29 are in no deployment’s VIPs (first: 203.0.113.1, 203.0.113.2, 203.0.113.3); Services given those external IPs have no failover',
    ],
    quiet: [
      () => input([deployment()], { network: network(['10.0.0.100/30']) }),
      () => input([deployment()], { network: network(['10.0.0.104/32']) }),
    ],
  },
};

describe.each(rules.map((rule) => [rule.id, rule] as const))('rule %s', (id, rule) => {
  const { fires, messages, quiet } = cases[id];

  it('flags its case, each finding with a fix', () => {
    const issues = rule.check(fires());
    expect(issues.map(({ message }) => message)).toEqual(messages);
    for (const issue of issues) expect(issue.fix).not.toBe('');
  });

  it.each(quiet.map((make, index) => [index, make] as const))('leaves quiet case %i alone', (_, make) => {
    expect(rule.check(make())).toEqual([]);
  });
});

describe('lint: the rules together', () => {
  it('has one summary line per rule and no id twice', () => {
    expect(new Set(rules.map(({ id }) => id)).size).toBe(rules.length);
    for (const { summary } of rules) expect(summary).toMatch(/^[^\n.][^\n]*[^.]$/);
  });

  it('finds nothing in good.yaml', () => {
    expect(lint(good())).toEqual([]);
  });

  it('lists findings by file, then line, then rule; those without a line last, in rule order', () => {
    const directory = temporaryDirectory();
    /** The object as ipft lint reads it from a file, with the lines of its fields. */
    const fromFile = (made: ManifestObject): ManifestObject => {
      const file = join(directory, made.file);
      writeFileSync(file, stringify({ ...made.body, metadata: { name: made.name } }));
      const [read] = readManifests(file);
      if (!read) throw new Error(`${file}: nothing read`);
      return read;
    };
    const fromFileDeployment = (edit: (body: Body) => void, name: string) =>
      toIpfailoverDeployment(fromFile(deployment(edit, name).object));
    // Made in memory, and given first: it has no lines.
    const c = deployment((body) => {
      body.spec.template.spec.hostNetwork = false;
      setEnv(body, 'OPENSHIFT_HA_VIRTUAL_IPS', '10.0.0.120');
      setEnv(body, 'OPENSHIFT_HA_VRRP_ID_OFFSET', '30');
    }, 'c');
    // hostNetwork comes before the env in the file; the rule list has monitor-port before host-network.
    const a = fromFileDeployment((body) => {
      body.spec.template.spec.hostNetwork = false;
      setEnv(body, 'OPENSHIFT_HA_MONITOR_PORT', '80a');
    }, 'a');
    // setEnv appends: the offset's entry comes before the monitor port's.
    const b = fromFileDeployment((body) => {
      body.spec.replicas = 1;
      setEnv(body, 'OPENSHIFT_HA_REPLICA_COUNT', '1');
      setEnv(body, 'OPENSHIFT_HA_VIRTUAL_IPS', '10.0.0.110-114');
      setEnv(body, 'OPENSHIFT_HA_MONITOR_PORT', '80a');
    }, 'b');
    const findings = lint(input([c, a, b], { network: fromFile(network(['198.51.100.0/23'])) }));
    expect(findings.map(({ file, line, rule }) => [basename(file), line, rule])).toEqual([
      ['a.yaml', 9, 'host-network'],
      ['a.yaml', 40, 'monitor-port'],
      ['b.yaml', 5, 'replicas'],
      ['b.yaml', 26, 'vrid-overlap'],
      ['b.yaml', 40, 'monitor-port'],
      ['cluster.yaml', 5, 'external-ip-cidr'],
      ['c.yaml', undefined, 'host-network'],
    ]);
  });

  it('names the field of an env finding: the entry when set, the env block when not', () => {
    const [set] = rules[0].check(
      input([deployment(withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1-255,10.0.1.1-5' }))]),
    );
    expect(formatPath(set?.path ?? [])).toBe('spec.template.spec.containers[0].env[9].value');
    expect(lint(cases['replica-count'].fires())).toMatchObject([
      { rule: 'replica-count', field: 'spec.template.spec.containers[0].env', line: undefined },
    ]);
  });

  it('counts nouns in the singular for one: 1 VIP, 1 VRID, 1 instance, 1 address', () => {
    const messagesOf = (made: LintInput) => lint(made).map(({ rule, message }) => [rule, message]);
    expect(
      messagesOf(
        input([
          deployment(withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100', OPENSHIFT_HA_VIP_GROUPS: '3' })),
        ]),
      ),
    ).toEqual([
      [
        'groups-exceed-vips',
        'OPENSHIFT_HA_VIP_GROUPS: is 3, more than the 1 VIP: the image makes one instance per VIP instead',
      ],
    ]);
    const [outside] = lint(
      input([
        deployment(
          withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100-101', OPENSHIFT_HA_VRRP_ID_OFFSET: '254' }),
        ),
      ]),
    );
    expect([outside?.message, outside?.fix]).toEqual([
      'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRID 256, outside 1..255; keepalived drops that 1 instance',
      'Lower OPENSHIFT_HA_VRRP_ID_OFFSET so that offset + 2 instances stays within 255, or group the VIPs.',
    ]);
    expect(
      lint(
        input([
          deployment(withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100', OPENSHIFT_HA_VRRP_ID_OFFSET: '255' })),
        ]),
      ).map(({ fix }) => fix),
    ).toEqual([
      'Lower OPENSHIFT_HA_VRRP_ID_OFFSET so that offset + 1 instance stays within 255, or group the VIPs.',
    ]);
    // a has VRIDs 11-15; b, 15-19, and one VIP of a's.
    expect(
      messagesOf(
        input([
          deployment(),
          deployment(
            withEnv({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.104-108', OPENSHIFT_HA_VRRP_ID_OFFSET: '14' }),
            'b',
          ),
        ]),
      ),
    ).toEqual([
      [
        'vrid-overlap',
        'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRID 15, which Deployment ipfailover/a (a.yaml) also uses; their VRRP instances would join each other',
      ],
      [
        'vip-in-two-deployments',
        'OPENSHIFT_HA_VIRTUAL_IPS: 10.0.0.104 is also a VIP of Deployment ipfailover/a (a.yaml)',
      ],
    ]);
    expect(messagesOf(input([deployment()], { network: network(['10.0.0.105/32']) }))).toEqual([
      [
        'external-ip-not-covered',
        '1 address of 10.0.0.105/32 is in no deployment’s VIPs (10.0.0.105); Services given that external IP have no failover',
      ],
    ]);
    expect(messagesOf(input([deployment()], { network: network(['10.0.0.108/30']) }))).toEqual([
      [
        'external-ip-not-covered',
        '2 addresses of 10.0.0.108/30 are in no deployment’s VIPs (10.0.0.109, 10.0.0.110); Services given those external IPs have no failover',
      ],
    ]);
    // Not a count, but "one node" said of 0 replicas was wrong too.
    const scaledDown = deployment((body) => {
      body.spec.replicas = 0;
    });
    expect(
      rules
        .find(({ id }) => id === 'replicas')
        ?.check(input([scaledDown]))
        .map(({ message }) => message),
    ).toEqual(['spec.replicas is 0: no pod runs, so no node holds the VIPs']);
  });

  it('has one helper for counted nouns', () => {
    expect([0, 1, 2].map((count) => counted(count, 'VIP'))).toEqual(['0 VIPs', '1 VIP', '2 VIPs']);
    expect([1, 3].map((count) => counted(count, 'address', 'addresses'))).toEqual([
      '1 address',
      '3 addresses',
    ]);
    expect([1, 2].map((count) => plural(count, 'is', 'are'))).toEqual(['is', 'are']);
  });

  it('reads the network type from the Network object when none is given', () => {
    const ens3 = deployment(withEnv({ OPENSHIFT_HA_NETWORK_INTERFACE: 'ens3' }));
    const ovn = object('Network', 'cluster', { spec: { networkType: 'OVNKubernetes' } });
    expect(lint(input([ens3], { network: ovn })).map(({ rule }) => rule)).toEqual(['ovn-interface']);
  });
});

describe('misplaced-setting: severity', () => {
  it('is an error where the setting fails every run, a warning where it is ignored', () => {
    const findings = lint(cases['misplaced-setting'].fires()).filter(
      ({ rule }) => rule === 'misplaced-setting',
    );
    expect(
      findings.map(({ object, message, severity }) => [object, message.split(':')[0], severity]),
    ).toEqual([
      // verdict.sh refuses the prober's and the checks' settings on keepalived: every VIP goes to FAULT.
      ['Deployment ipfailover/a', 'IPF_MAINTENANCE_FILE', 'error'],
      ['Deployment ipfailover/a', 'IPF_FOLLOW_CORDON', 'error'],
      ['Deployment ipfailover/a', 'IPF_MAINTENANCE_LABEL', 'error'],
      ['Deployment ipfailover/a', 'IPF_CHECK_TIMEOUT_MS', 'error'],
      // verdict.sh does not refuse a name for not being known.
      ['Deployment ipfailover/a', 'IPF_CHECK_FAL', 'warning'],
      ['Deployment ipfailover/a', 'IPF_CHECK_FALL', 'warning'],
      // The prober refuses to start on a name it does not know.
      ['Deployment ipfailover/a', 'IPF_HTTP_STAUTS', 'error'],
      ['Deployment ipfailover/a', 'IPF_HTTP_URL', 'warning'],
      ['Deployment ipfailover/a', 'IPF_EXPORTER_PROT', 'error'],
      ['Deployment ipfailover/b', 'IPF_CHECKS', 'warning'],
      ['Deployment ipfailover/b', 'IPF_EXPORTER_PORT', 'warning'],
      // The check bundle refuses it on every run.
      ['Deployment ipfailover/b', 'IPF_TCP_TARGET', 'error'],
      // No process of the toolkit runs there yet.
      ['Deployment ipfailover/c', 'IPF_TCP_TARGET', 'warning'],
    ]);
  });

  it('is an error for every other rule', () => {
    const findings = lint(cases['monitor-port'].fires());
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map(({ severity }) => severity))).toEqual(new Set(['error']));
  });
});
