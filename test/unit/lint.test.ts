import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { lintUsage } from '../../cli/lint.ts';
import { NETWORK_TYPES } from '../../core/ipfailover/lint.ts';
import { MANIFEST_MAX_BYTES } from '../../core/ipfailover/manifests.ts';
import { derivedPorts, names } from '../../packaging/layout.ts';
import { ipft } from '../support/cli.ts';
import { temporaryDirectory } from '../support/harness.ts';

type Expected = [rule: string, line: number, field: string, message: string];

/** Each bad fixture is good.yaml with one fault, paired with exactly the findings it must produce. */
const badCases: [name: string, argv: string[], findings: Expected[]][] = [
  [
    'duplicate-vip',
    ['test/fixtures/lint/bad/duplicate-vip.yaml'],
    [
      [
        'duplicate-vip',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: lists 10.0.0.101 more than once; the image keeps duplicates, and two instances then fight over one address',
      ],
    ],
  ],
  [
    'excluded-ids-commas',
    ['test/fixtures/lint/bad/excluded-ids-commas.yaml'],
    [
      [
        'excluded-ids-commas',
        51,
        'spec.template.spec.containers[0].env[10].value',
        'HA_EXCLUDED_VRRP_IDS: is split on spaces only, so a comma list excludes nothing',
      ],
    ],
  ],
  [
    'groups-exceed-vips',
    ['test/fixtures/lint/bad/groups-exceed-vips.yaml'],
    [
      [
        'groups-exceed-vips',
        51,
        'spec.template.spec.containers[0].env[10].value',
        'OPENSHIFT_HA_VIP_GROUPS: is 8, more than the 5 VIPs: the image makes one instance per VIP instead',
      ],
    ],
  ],
  [
    'host-network',
    ['test/fixtures/lint/bad/host-network.yaml'],
    [
      [
        'host-network',
        17,
        'spec.template.spec.hostNetwork',
        'hostNetwork is not true: keepalived would put the VIPs into the pod’s own network namespace',
      ],
    ],
  ],
  [
    'malformed-vip-cidr',
    ['test/fixtures/lint/bad/malformed-vip-cidr.yaml'],
    [
      [
        'malformed-vip',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: "10.0.0.100/24" is CIDR notation; the image deletes the "/" and reads "10.0.0.10024", which it drops',
      ],
      [
        'no-vips',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: expands to no address: keepalived runs with no VRRP instance',
      ],
    ],
  ],
  [
    'malformed-vip-ipv6-lowercase',
    ['test/fixtures/lint/bad/malformed-vip-ipv6-lowercase.yaml'],
    [
      [
        'malformed-vip',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: "2001:db8::a-c" is an IPv6 range with lowercase hex; the image\'s bc arithmetic reads only uppercase, so it yields 2001:db8::0',
      ],
    ],
  ],
  [
    'malformed-vip-past-255',
    ['test/fixtures/lint/bad/malformed-vip-past-255.yaml'],
    [
      [
        'malformed-vip',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: "10.0.0.250-256" runs past .255: the image writes invalid addresses up to 10.0.0.256',
      ],
    ],
  ],
  [
    'malformed-vip-spaces',
    ['test/fixtures/lint/bad/malformed-vip-spaces.yaml'],
    [
      [
        'malformed-vip',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: "10.0.0.100 10.0.0.101" contains spaces, which the image deletes rather than splits on: it becomes "10.0.0.10010.0.0.101", which is dropped',
      ],
      [
        'no-vips',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: expands to no address: keepalived runs with no VRRP instance',
      ],
    ],
  ],
  [
    'monitor-port',
    ['test/fixtures/lint/bad/monitor-port.yaml'],
    [
      [
        'monitor-port',
        37,
        'spec.template.spec.containers[0].env[3].value',
        'OPENSHIFT_HA_MONITOR_PORT: "80a" is not a number; the image deletes the non-digits and checks port 80',
      ],
    ],
  ],
  [
    'octal-offset',
    ['test/fixtures/lint/bad/octal-offset.yaml'],
    [
      [
        'octal-offset',
        39,
        'spec.template.spec.containers[0].env[4].value',
        'OPENSHIFT_HA_VRRP_ID_OFFSET: "08" is not a number to bash (leading 0 means octal): the image writes no VRRP instance at all',
      ],
    ],
  ],
  [
    'overlap',
    ['test/fixtures/lint/bad/overlap.yaml'],
    [
      // In line order: the rule list has vrid-overlap first.
      [
        'vip-in-two-deployments',
        91,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: 10.0.0.104 is also a VIP of Deployment ipfailover/ipfailover (test/fixtures/lint/bad/overlap.yaml)',
      ],
      [
        'vrid-overlap',
        97,
        'spec.template.spec.containers[0].env[4].value',
        'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 13-15, which Deployment ipfailover/ipfailover (test/fixtures/lint/bad/overlap.yaml) also uses; their VRRP instances would join each other',
      ],
    ],
  ],
  [
    'preemption',
    ['test/fixtures/lint/bad/preemption.yaml'],
    [
      [
        'preemption',
        47,
        'spec.template.spec.containers[0].env[8].value',
        'OPENSHIFT_HA_PREEMPTION: "preempt_nodelay 300" comes from the docs, but preempt_nodelay is not a keepalived keyword',
      ],
    ],
  ],
  [
    'privileged',
    ['test/fixtures/lint/bad/privileged.yaml'],
    [
      [
        'privileged',
        22,
        'spec.template.spec.containers[0].securityContext.privileged',
        'the keepalived container is not privileged: it cannot add VIPs or send VRRP',
      ],
    ],
  ],
  [
    'replica-count',
    ['test/fixtures/lint/bad/replica-count.yaml'],
    [
      [
        'replica-count',
        30,
        'spec.template.spec.containers[0].env',
        'OPENSHIFT_HA_REPLICA_COUNT (unset): is 1 to the image (its code default; the docs say 2), but spec.replicas is 2; the initial masters are spread for the wrong number of nodes',
      ],
    ],
  ],
  [
    'replicas',
    ['test/fixtures/lint/bad/replicas.yaml'],
    [['replicas', 8, 'spec.replicas', 'spec.replicas is 1: with one node there is nothing to fail over to']],
  ],
  [
    'check-budget',
    ['test/fixtures/lint/bad/check-budget.yaml'],
    [
      [
        'check-budget',
        58,
        'spec.template.spec.containers[1].env[0].value',
        "OPENSHIFT_HA_CHECK_INTERVAL is 5 in the ipft-prober container and 2 in the keepalived container: the probe deadline would follow another interval than keepalived's timeout",
      ],
    ],
  ],
  [
    'misplaced-setting',
    ['test/fixtures/lint/bad/misplaced-setting.yaml'],
    [
      ...(
        [
          [46, 7, 'IPF_MAINTENANCE_FILE'],
          [48, 8, 'IPF_FOLLOW_CORDON'],
          [50, 9, 'IPF_MAINTENANCE_LABEL'],
        ] as const
      ).map(
        ([line, index, name]): Expected => [
          'misplaced-setting',
          line,
          `spec.template.spec.containers[0].env[${index}].value`,
          `${name}: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it`,
        ],
      ),
      [
        'misplaced-setting',
        67,
        'spec.template.spec.containers[1].env[1].value',
        'IPF_CHECK_FALL: set in ipft-prober, which ignores it; in prober mode the keepalived container (openshift-ipfailover) reads it',
      ],
    ],
  ],
  [
    'script-not-executable',
    ['test/fixtures/lint/bad/script-not-executable.yaml'],
    [
      [
        'script-not-executable',
        57,
        'spec.template.spec.volumes[0].configMap.defaultMode',
        'OPENSHIFT_HA_CHECK_SCRIPT: /etc/ipfailover-toolkit/http-check.js is mounted from volume ipfailover-toolkit with mode 0644, which is not executable; keepalived disables the check',
      ],
      [
        'script-not-executable',
        57,
        'spec.template.spec.volumes[0].configMap.defaultMode',
        'OPENSHIFT_HA_NOTIFY_SCRIPT: /etc/ipfailover-toolkit/notify.sh is mounted from volume ipfailover-toolkit with mode 0644, which is not executable; keepalived disables the check',
      ],
    ],
  ],
  [
    'script-not-mounted',
    ['test/fixtures/lint/bad/script-not-mounted.yaml'],
    [
      [
        'script-not-mounted',
        43,
        'spec.template.spec.containers[0].env[6].value',
        'OPENSHIFT_HA_CHECK_SCRIPT: /etc/keepalive/mycheckscript.sh is under no volumeMount of the container, and the image does not ship it: keepalived disables a missing check',
      ],
    ],
  ],
  [
    'service-account',
    ['test/fixtures/lint/bad/service-account.yaml'],
    [
      [
        'service-account',
        17,
        'spec.template.spec.serviceAccountName',
        'no service account of its own: the privileged and hostnetwork SCCs must not be granted to `default`',
      ],
    ],
  ],
  [
    'too-many-instances',
    ['test/fixtures/lint/bad/too-many-instances.yaml'],
    [
      [
        'too-many-instances',
        33,
        'spec.template.spec.containers[0].env[1].value',
        'OPENSHIFT_HA_VIRTUAL_IPS: makes 260 VRRP instances; IP failover supports at most 254',
      ],
      [
        'vrid-out-of-range',
        39,
        'spec.template.spec.containers[0].env[4].value',
        'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 256-260, outside 1..255; keepalived drops those 5 instances',
      ],
    ],
  ],
  [
    'use-unicast-ignored',
    ['test/fixtures/lint/bad/use-unicast-ignored.yaml'],
    [
      [
        'use-unicast-ignored',
        51,
        'spec.template.spec.containers[0].env[10].value',
        'OPENSHIFT_HA_USE_UNICAST: is read by nothing in the image; unicast is on exactly when OPENSHIFT_HA_UNICAST_PEERS is set',
      ],
    ],
  ],
  [
    'vrid-out-of-range',
    ['test/fixtures/lint/bad/vrid-out-of-range.yaml'],
    [
      [
        'vrid-out-of-range',
        39,
        'spec.template.spec.containers[0].env[4].value',
        'OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 256-257, outside 1..255; keepalived drops those 2 instances',
      ],
    ],
  ],
  [
    'ovn-interface',
    ['--network', 'ovn-kubernetes', 'test/fixtures/lint/bad/ovn-interface.yaml'],
    [
      [
        'ovn-interface',
        35,
        'spec.template.spec.containers[0].env[2].value',
        'OPENSHIFT_HA_NETWORK_INTERFACE: is "ens3", but on OVN-Kubernetes the node IP lives on br-ex',
      ],
    ],
  ],
  [
    'network',
    ['test/fixtures/lint/good.yaml', 'test/fixtures/lint/network.yaml'],
    [
      [
        'external-ip-cidr',
        10,
        'spec.externalIP.autoAssignCIDRs[0]',
        '198.51.100.0/23 is wider than /24: IP failover serves at most 254 VIPs per cluster',
      ],
      [
        'external-ip-not-covered',
        11,
        'spec.externalIP.autoAssignCIDRs[1]',
        '6 addresses of 203.0.113.0/29 are in no deployment’s VIPs (first: 203.0.113.1, 203.0.113.2, 203.0.113.3); Services given those external IPs have no failover',
      ],
    ],
  ],
  [
    'seed-example',
    ['deploy/example-deployment.yaml'],
    [
      [
        'rollout-strategy',
        12,
        'spec.strategy.type',
        'strategy is Recreate: every pod stops before any starts, so at each rollout (an upgrade, a changed setting, oc rollout restart) no node holds the VIPs until keepalived is back',
      ],
      [
        'groups-exceed-vips',
        55,
        'spec.template.spec.containers[0].env[2].value',
        'OPENSHIFT_HA_VIP_GROUPS: is 10, more than the 4 VIPs: the image makes one instance per VIP instead',
      ],
    ],
  ],
];

describe('ipft lint: each bad fixture gives exactly its findings, exit 1', () => {
  it.each(badCases)('%s', async (_name, argv, findings) => {
    const result = await ipft(['lint', '--format', 'json', ...argv]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      findings: { rule: string; line: number; field: string; message: string; fix: string }[];
    };
    expect(report.findings.map(({ rule, line, field, message }) => [rule, line, field, message])).toEqual(
      findings,
    );
    for (const finding of report.findings) expect(finding.fix).not.toBe('');
  });
});

describe('ipft lint: clean input, exit 0', () => {
  it.each([
    [['test/fixtures/lint/good.yaml']],
    [['test/fixtures/lint/good-list.yaml']],
    [['--network', 'ovn-kubernetes', 'test/fixtures/lint/good.yaml']],
    [['test/fixtures/lint/good.yaml', 'test/fixtures/lint/network-covered.yaml']],
  ])('%j', async (argv) => {
    const result = await ipft(['lint', ...argv]);
    expect(result).toEqual({ code: 0, stdout: 'ipft lint: 1 deployment, no findings\n', stderr: '' });
  });
});

describe('ipft lint: text output names file:line, object, field, the problem and the fix', () => {
  it('prints one finding as two lines and a summary', async () => {
    const result = await ipft(['lint', 'test/fixtures/lint/bad/replicas.yaml']);
    expect(result.stdout).toBe(
      'test/fixtures/lint/bad/replicas.yaml:8: Deployment ipfailover/ipfailover: spec.replicas: spec.replicas is 1: with one node there is nothing to fail over to [replicas]\n' +
        '  fix: Select at least two nodes and set replicas to their number (the product docs’ rule for production).\n' +
        'ipft lint: 1 finding in 1 deployment\n',
    );
  });
});

describe('ipft lint: a warning is marked, an error is not', () => {
  it('marks the setting that is only ignored', async () => {
    const result = await ipft(['lint', 'test/fixtures/lint/bad/misplaced-setting.yaml']);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      'test/fixtures/lint/bad/misplaced-setting.yaml:46: Deployment ipfailover/ipfailover: spec.template.spec.containers[0].env[7].value: IPF_MAINTENANCE_FILE: set in the keepalived container (openshift-ipfailover), where verdict.sh refuses it: every run fails and every VIP on every node goes to FAULT; in prober mode ipft-prober reads it [misplaced-setting]',
    );
    expect(lines[1]).toBe(
      '  fix: Move IPF_MAINTENANCE_FILE to settings.env in the folder ipft package wrote (the settings ConfigMap of ipft-prober), and apply it again.',
    );
    expect(lines[6]).toBe(
      'test/fixtures/lint/bad/misplaced-setting.yaml:67: Deployment ipfailover/ipfailover: spec.template.spec.containers[1].env[1].value: warning: IPF_CHECK_FALL: set in ipft-prober, which ignores it; in prober mode the keepalived container (openshift-ipfailover) reads it [misplaced-setting]',
    );
    expect(lines[7]).toBe(
      '  fix: Move IPF_CHECK_FALL to the env of the keepalived container (openshift-ipfailover).',
    );
    expect(result.code).toBe(1);
    const json = await ipft(['lint', '--format', 'json', 'test/fixtures/lint/bad/misplaced-setting.yaml']);
    expect(JSON.parse(json.stdout).findings.map(({ severity }: { severity: string }) => severity)).toEqual([
      'error',
      'error',
      'error',
      'warning',
    ]);
  });
});

describe('ipft lint: findings in the order of the files, top to bottom', () => {
  /** good.yaml with hostNetwork off (line 18) and a bad monitor port (line 37): the rule list has monitor-port first. */
  function twoFaults(directory: string, name: string): string {
    const text = readFileSync('test/fixtures/lint/good.yaml', 'utf8')
      .replace('hostNetwork: true', 'hostNetwork: false')
      .replace('value: "80"', 'value: "80a"');
    const file = join(directory, name);
    writeFileSync(file, text);
    return file;
  }

  it('sorts by file as given, then line, then rule; text and JSON in the same order', async () => {
    const directory = temporaryDirectory();
    const argv = [
      'test/fixtures/lint/bad/overlap.yaml',
      twoFaults(directory, 'two-faults.yaml'),
      'test/fixtures/lint/network.yaml',
    ];
    const json = await ipft(['lint', '--format', 'json', ...argv]);
    const findings = JSON.parse(json.stdout).findings as { file: string; line: number; rule: string }[];
    const places = findings.map(
      ({ file, line, rule }) => `${file.replace(directory, 'TMP')}:${line} ${rule}`,
    );
    expect(places).toEqual([
      'test/fixtures/lint/bad/overlap.yaml:91 vip-in-two-deployments',
      'test/fixtures/lint/bad/overlap.yaml:97 vrid-overlap',
      'TMP/two-faults.yaml:18 host-network',
      // Against each of overlap.yaml's two Deployments, in the order they come.
      'TMP/two-faults.yaml:33 vip-in-two-deployments',
      'TMP/two-faults.yaml:33 vip-in-two-deployments',
      'TMP/two-faults.yaml:37 monitor-port',
      'TMP/two-faults.yaml:39 vrid-overlap',
      'TMP/two-faults.yaml:39 vrid-overlap',
      'test/fixtures/lint/network.yaml:10 external-ip-cidr',
      'test/fixtures/lint/network.yaml:11 external-ip-not-covered',
    ]);
    const text = await ipft(['lint', ...argv]);
    const textPlaces = text.stdout
      .split('\n')
      .filter((line) => / \[[a-z-]+\]$/.test(line))
      .map((line) => `${line.split(': ')[0]} ${line.slice(line.lastIndexOf('[') + 1, -1)}`);
    expect(textPlaces).toEqual(findings.map(({ file, line, rule }) => `${file}:${line} ${rule}`));
    expect(text.stdout.split('\n').at(-2)).toBe('ipft lint: 10 findings in 3 deployments');
  });
});

describe('ipft lint: the same file given twice is read once', () => {
  const overlap = 'test/fixtures/lint/bad/overlap.yaml';

  async function findingsOf(...files: string[]) {
    const result = await ipft(['lint', '--format', 'json', ...files]);
    return { ...result, findings: JSON.parse(result.stdout).findings as { rule: string; line: number }[] };
  }

  it('under another spelling, an absolute path, a symlink or a hard link: one note per argument left out', async () => {
    const once = await findingsOf(overlap);
    expect(once.stderr).toBe('');
    const directory = temporaryDirectory();
    const copy = join(directory, 'overlap.yaml');
    copyFileSync(overlap, copy);
    const symlink = join(directory, 'symlink.yaml');
    symlinkSync(copy, symlink);
    const hardLink = join(directory, 'hard-link.yaml');
    linkSync(copy, hardLink);
    const twice = await findingsOf(copy, `${directory}/./overlap.yaml`, symlink, hardLink, copy);
    expect(twice.stderr).toBe(
      [`${directory}/./overlap.yaml`, symlink, hardLink, copy]
        .map((argument) => `ipft lint: ${argument}: ignored: the same file as ${copy}, given before\n`)
        .join(''),
    );
    expect(twice.code).toBe(1);
    expect(twice.findings.map(({ rule, line }) => [rule, line])).toEqual(
      once.findings.map(({ rule, line }) => [rule, line]),
    );
    const relative = await ipft([
      'lint',
      'test/fixtures/lint/good.yaml',
      './test/fixtures/lint/good.yaml',
      resolve('test/fixtures/lint/good.yaml'),
    ]);
    expect(relative).toEqual({
      code: 0,
      stdout: 'ipft lint: 1 deployment, no findings\n',
      stderr:
        'ipft lint: ./test/fixtures/lint/good.yaml: ignored: the same file as test/fixtures/lint/good.yaml, given before\n' +
        `ipft lint: ${resolve('test/fixtures/lint/good.yaml')}: ignored: the same file as test/fixtures/lint/good.yaml, given before\n`,
    });
  });

  it('two files with the same Deployment (a copy) still conflict, as two deployments would', async () => {
    const directory = temporaryDirectory();
    const [a, b] = ['a.yaml', 'b.yaml'].map((name) => join(directory, name));
    if (!a || !b) throw new Error('two paths');
    copyFileSync('test/fixtures/lint/good.yaml', a);
    copyFileSync('test/fixtures/lint/good.yaml', b);
    const result = await ipft(['lint', a, b]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${b}:33: Deployment ipfailover/ipfailover: spec.template.spec.containers[0].env[1].value: OPENSHIFT_HA_VIRTUAL_IPS: 10.0.0.100, 10.0.0.101, 10.0.0.102, 10.0.0.103, 10.0.0.104 are also VIPs of Deployment ipfailover/ipfailover (${a}) [vip-in-two-deployments]\n` +
        '  fix: Give each VIP to one deployment only.\n' +
        `${b}:39: Deployment ipfailover/ipfailover: spec.template.spec.containers[0].env[4].value: OPENSHIFT_HA_VRRP_ID_OFFSET: gives VRIDs 11-15, which Deployment ipfailover/ipfailover (${a}) also uses; their VRRP instances would join each other [vrid-overlap]\n` +
        `  fix: Choose offsets whose ranges do not overlap: Deployment ipfailover/ipfailover uses 11-15.\n` +
        'ipft lint: 2 findings in 2 deployments\n',
    );
  });
});

describe('ipft lint: a manifest that is not a regular file, or too large, is refused without being read', () => {
  it('a FIFO with no writer, a symlink to /dev/zero, a directory and a file past the bound: exit 2, one line each', async () => {
    const directory = temporaryDirectory();
    const fifo = join(directory, 'deployment.yaml');
    execFileSync('mkfifo', [fifo]);
    const zero = join(directory, 'zero.yaml');
    symlinkSync('/dev/zero', zero);
    const huge = join(directory, 'huge.yaml');
    writeFileSync(huge, '#'.repeat(MANIFEST_MAX_BYTES + 1));
    const cases: [path: string, problem: string][] = [
      [fifo, 'is a FIFO, not a regular file'],
      [zero, 'is a character device, not a regular file'],
      [directory, 'is a directory, not a regular file'],
      [huge, `is larger than ${MANIFEST_MAX_BYTES} bytes`],
    ];
    for (const [path, problem] of cases) {
      expect(await ipft(['lint', path])).toEqual({
        code: 2,
        stdout: '',
        stderr: `ipft lint: ${path}: cannot read: ${problem}\n`,
      });
    }
  });
});

describe('ipft lint --network: the accepted values, from one list', () => {
  it('lists every value in the help and in the error, and accepts each', async () => {
    expect(NETWORK_TYPES).toEqual(['ovn-kubernetes', 'openshift-sdn', 'other']);
    const help = await ipft(['lint', '--help']);
    expect(help).toEqual({ code: 0, stdout: `${lintUsage}\n`, stderr: '' });
    expect(help.stdout.split('\n')[0]).toBe(
      'ipft lint [--format text|json] [--network ovn-kubernetes|openshift-sdn|other] FILE...',
    );
    expect(help.stdout).toContain('(other: any network plugin but those two)');
    expect(await ipft(['lint', '--network', 'OVNKubernetes', 'test/fixtures/lint/good.yaml'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'ipft lint: --network: expected one of ovn-kubernetes, openshift-sdn, other, got "OVNKubernetes"\n',
    });
    for (const type of NETWORK_TYPES) {
      expect(await ipft(['lint', '--network', type, 'test/fixtures/lint/good.yaml'])).toEqual({
        code: 0,
        stdout: 'ipft lint: 1 deployment, no findings\n',
        stderr: '',
      });
    }
  });
});

describe('ipft lint: input it cannot read, exit 2 with one message naming the place', () => {
  it.each([
    [
      'test/fixtures/lint/invalid/malformed.yaml',
      'ipft lint: test/fixtures/lint/invalid/malformed.yaml:4: not valid YAML: Nested mappings are not allowed in compact mappings',
    ],
    [
      'test/fixtures/lint/invalid/configmap.yaml',
      "ipft lint: test/fixtures/lint/invalid/configmap.yaml:1: ConfigMap ipfailover-toolkit-scripts is not a Deployment (ipft lint reads ipfailover Deployments and the cluster's config.openshift.io/v1 Network)",
    ],
    [
      'test/fixtures/lint/invalid/no-env.yaml',
      'ipft lint: test/fixtures/lint/invalid/no-env.yaml:21: Deployment ipfailover/ipfailover: spec.template.spec.containers: no container has an env block, so there are no OPENSHIFT_HA_* settings to check',
    ],
    [
      'test/fixtures/lint/invalid/value-from.yaml',
      'ipft lint: test/fixtures/lint/invalid/value-from.yaml:33: Deployment ipfailover/ipfailover: spec.template.spec.containers[0].env[2]: OPENSHIFT_HA_VIP_GROUPS uses valueFrom, which cannot be resolved offline; give its value in the manifest',
    ],
    [
      '/nonexistent/ipfailover.yaml',
      "ipft lint: /nonexistent/ipfailover.yaml: cannot read: ENOENT: no such file or directory, open '/nonexistent/ipfailover.yaml'",
    ],
  ])('%s', async (file, message) => {
    const result = await ipft(['lint', file]);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  it.each([
    [['lint'], 'ipft lint: expected one or more manifest files\n'],
    [['lint', '--format', 'xml', 'x.yaml'], 'ipft lint: --format: expected text or json, got "xml"\n'],
    [
      ['lint', '--network', 'calico', 'x.yaml'],
      'ipft lint: --network: expected one of ovn-kubernetes, openshift-sdn, other, got "calico"\n',
    ],
  ])('%j', async (argv, stderr) => {
    expect(await ipft(argv)).toEqual({ code: 2, stdout: '', stderr });
  });
});

describe('ipft lint: toolkit ports of deployments that can share a node (toolkit-port-collision)', () => {
  /** good.yaml under another name, with the toolkit's exporter and prober on these ports (undefined: unset). */
  function deployment(
    name: string,
    ports: { exporter?: string; prober?: string },
    nodeSelector: Record<string, string> | undefined,
  ): string {
    const body = parse(readFileSync('test/fixtures/lint/good.yaml', 'utf8'));
    body.metadata.name = name;
    const spec = body.spec.template.spec;
    if (nodeSelector) spec.nodeSelector = nodeSelector;
    else delete spec.nodeSelector;
    const env = (variable: string, value: string | undefined) =>
      value === undefined ? [] : [{ name: variable, value }];
    spec.containers.push({
      name: names.exporterContainer,
      image: 'ubi',
      env: env('IPF_EXPORTER_PORT', ports.exporter),
    });
    spec.initContainers = [
      {
        name: names.proberContainer,
        image: 'ubi',
        restartPolicy: 'Always',
        env: env('IPF_PROBER_PORT', ports.prober),
      },
    ];
    const file = join(temporaryDirectory(), `${name}.yaml`);
    writeFileSync(file, stringify(body));
    return file;
  }

  async function collisions(...files: string[]) {
    const result = await ipft(['lint', '--format', 'json', ...files]);
    expect(result.stderr).toBe('');
    return (
      JSON.parse(result.stdout).findings as { rule: string; field: string; message: string; fix: string }[]
    ).filter((finding) => finding.rule === 'toolkit-port-collision');
  }

  it('flags each port that collides, on the later deployment, naming the other and the fix', async () => {
    const a = deployment('a', { exporter: '9880', prober: '9909' }, { 'node-role.kubernetes.io/worker': '' });
    const b = deployment('b', { exporter: '9880', prober: '9909' }, { 'node-role.kubernetes.io/worker': '' });
    const found = await collisions(a, b);
    expect(found.map(({ field }) => field)).toEqual([
      'spec.template.spec.containers[1].env[0].value',
      'spec.template.spec.initContainers[0].env[0].value',
    ]);
    expect(found[0]?.message).toBe(
      `IPF_EXPORTER_PORT of ipft-exporter is 9880, which Deployment ipfailover/a (${a}) also listens on (IPF_EXPORTER_PORT of ipft-exporter), and their nodeSelectors can pick the same node: there the second one cannot bind`,
    );
    expect(found[0]?.fix).toContain('--exporter-port and --prober-port');
  });

  it('compares every toolkit port with every other, defaults included, when one selector is empty or they do not conflict', async () => {
    // b's exporter is unset (9871), a's prober is 9871; b selects every node.
    const a = deployment('a', { exporter: '9880', prober: '9871' }, { zone: 'east' });
    const b = deployment('b', { prober: '9909' }, undefined);
    const found = await collisions(a, b);
    expect(found.map(({ message }) => message.split(',')[0])).toEqual([
      'IPF_EXPORTER_PORT of ipft-exporter (unset: its default) is 9871',
    ]);
    // Different labels do not conflict: a node can have both.
    const c = deployment('c', { exporter: '9880', prober: '9909' }, { role: 'edge' });
    expect(
      await collisions(deployment('d', { exporter: '9880', prober: '9909' }, { zone: 'east' }), c),
    ).toHaveLength(2);
  });

  it('stays quiet when the selectors cannot meet or the ports differ, as ipft package derives them', async () => {
    const east = deployment('a', { exporter: '9880', prober: '9909' }, { zone: 'east' });
    const west = deployment('b', { exporter: '9880', prober: '9909' }, { zone: 'west' });
    expect(await collisions(east, west)).toEqual([]);
    const [first, second] = [derivedPorts('ipfailover-keepalived'), derivedPorts('ipfailover-web')];
    const packagedA = deployment(
      'a',
      { exporter: String(first.exporter), prober: String(first.prober) },
      undefined,
    );
    const packagedB = deployment(
      'b',
      { exporter: String(second.exporter), prober: String(second.prober) },
      undefined,
    );
    expect(await collisions(packagedA, packagedB)).toEqual([]);
  });
});
