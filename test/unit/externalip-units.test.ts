// The externalip-check's pure parts, one table each: selector, kubeconfig YAML, kubeconfig contexts,
// addresses, the API's lists, the probe plan, the cache and the node IP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveKubeconfig } from '../../checks/externalip/access.ts';
import { vipSet } from '../../checks/externalip/addresses.ts';
import {
  ageSeconds,
  type CachedList,
  isFresh,
  isUsableWhenApiFails,
  parseCache,
} from '../../checks/externalip/cache.ts';
import { externalIpCheck, resolveNodeIp } from '../../checks/externalip/check.ts';
import {
  endpointSlices,
  type ServiceOnVips,
  servicesOnVips,
  withEndpoints,
} from '../../checks/externalip/inventory.ts';
import { listQuery } from '../../checks/externalip/kube-api.ts';
import { planProbes } from '../../checks/externalip/probes.ts';
import { parseLabelSelector } from '../../checks/externalip/selector.ts';
import { Expected } from '../../core/errors.ts';
import { canonicalIp } from '../../core/ip.ts';
import type { HostNetwork } from '../../core/ipfailover/node.ts';
import { runCheckWithResult } from '../../core/probe.ts';
import { endpointSlice, endpointSliceList, service, serviceList } from '../../testkit/kube-objects.ts';

describe('label selector', () => {
  it.each([
    ['app=web', 'app=web'],
    ['app==web', 'app=web'],
    ['app!=web', 'app!=web'],
    ['app=', 'app='],
    [' app = web , tier != db ', 'app=web,tier!=db'],
    ['tier in (edge, web)', 'tier in (edge,web)'],
    ['tier notin (dev)', 'tier notin (dev)'],
    ['canary', 'canary'],
    ['!canary', '!canary'],
    ['app.kubernetes.io/name=shop,!example.com/legacy', 'app.kubernetes.io/name=shop,!example.com/legacy'],
    ['a=1,b in (x,y),c,!d,e notin (z)', 'a=1,b in (x,y),c,!d,e notin (z)'],
  ])('%j → %j', (raw, canonical) => {
    expect(parseLabelSelector(raw).text).toBe(canonical);
  });

  it('keeps the requirements it parsed', () => {
    expect(parseLabelSelector('app=web,tier in (a,b),!canary').requirements).toEqual([
      { key: 'app', operator: '=', value: 'web' },
      { key: 'tier', operator: 'in', values: ['a', 'b'] },
      { key: 'canary', operator: '!exists' },
    ]);
  });

  it.each([
    ['', 'character 1: the selector is empty'],
    [',', 'character 1: expected a label key, found ","'],
    ['app=web,', 'character 9: a requirement is missing after the last ","'],
    ['app=web tier=db', 'character 9: expected "," between requirements, found "tier"'],
    ['app in (web', 'character 12: expected "," or ")" in the value set, found the end'],
    ['app in ()', 'character 9: expected a label value in the set, found ")"'],
    ['app in (a,)', 'character 11: expected a label value in the set, found ")"'],
    ['app in web', 'character 8: expected "(" to start the value set, found "web"'],
    [
      'app web',
      'character 5: expected =, ==, !=, in, notin, "," or the end after the key "app", found "web"',
    ],
    ['!app=web', 'character 5: "!app" selects objects without the label and takes no operator or value'],
    [
      'replicas>1',
      'character 9: ">" is not supported (the numeric gt/lt operators are for the API’s own use)',
    ],
    ['-app=web', 'character 1: "-app" is not a label key'],
    ['Example.com/app=web', 'character 1: the key prefix "Example.com" is not a DNS subdomain'],
    [`${'k'.repeat(64)}=v`, 'is not a label key'],
    ['app=-web', 'character 5: "-web" is not a label value'],
    [`app=${'v'.repeat(64)}`, 'is not a label value'],
    ['app=(web)', 'character 5: expected a label value, found "("'],
  ])('refuses %j: %s', (raw, problem) => {
    let error: unknown;
    try {
      parseLabelSelector(raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Expected);
    expect((error as Expected).expected).toMatch(/^a label selector: requirements separated by commas/);
    expect((error as Expected).given).toContain(JSON.stringify(raw));
    expect((error as Expected).given).toContain(problem);
  });
});

describe('kubeconfig: from current-context to cluster and user', () => {
  const config = (cluster: object, user: object, context: object = { cluster: 'c', user: 'u' }) => ({
    'current-context': 'x',
    contexts: [{ name: 'x', context }],
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
  });

  it('resolves files against the kubeconfig’s folder and keeps inline data', () => {
    const refs = resolveKubeconfig(
      config(
        { server: 'https://api.example:6443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'api' },
        { 'client-certificate-data': 'Y2VydA==', 'client-key': '/abs/key.pem' },
      ),
      '/home/sre/.kube',
    );
    expect(refs).toMatchObject({
      context: 'x',
      server: new URL('https://api.example:6443'),
      ca: { path: '/home/sre/.kube/ca.crt', field: 'certificate-authority' },
      insecure: false,
      serverName: 'api',
      token: undefined,
      clientCertificate: { data: 'Y2VydA==', field: 'client-certificate-data' },
      clientKey: { path: '/abs/key.pem', field: 'client-key' },
    });
  });

  it.each([
    ['not a mapping', [], 'is not a kubeconfig'],
    ['no current-context', { contexts: [] }, 'has no current-context'],
    ['a missing context', { 'current-context': 'y', contexts: [] }, 'contexts has no entry named "y"'],
    [
      'a missing cluster',
      config({ server: 'https://a' }, { token: 't' }, { cluster: 'z', user: 'u' }),
      'clusters has no entry named "z"',
    ],
    [
      'a bad server',
      config({ server: 'api:6443' }, { token: 't' }),
      'expected an https:// server URL, got "api:6443"',
    ],
    [
      'CA and insecure',
      config(
        { server: 'https://a', 'insecure-skip-tls-verify': true, 'certificate-authority-data': 'x' },
        { token: 't' },
      ),
      'sets both insecure-skip-tls-verify and a certificate authority',
    ],
    [
      'a string for insecure',
      config({ server: 'https://a', 'insecure-skip-tls-verify': 'yes' }, { token: 't' }),
      'insecure-skip-tls-verify is not true or false',
    ],
    [
      'both path and data',
      config(
        { server: 'https://a', 'certificate-authority': 'a', 'certificate-authority-data': 'b' },
        { token: 't' },
      ),
      'set certificate-authority or certificate-authority-data, not both',
    ],
    [
      'a certificate without key',
      config({ server: 'https://a' }, { 'client-certificate': 'c' }),
      'needs both client-certificate and client-key',
    ],
    [
      'an auth-provider',
      config({ server: 'https://a' }, { 'auth-provider': { name: 'oidc' } }),
      'auth-provider is not supported',
    ],
    [
      'no credentials',
      config({ server: 'https://a' }, {}),
      'expected a token, a tokenFile or a client certificate and key',
    ],
  ])('refuses %s', (_, document, problem) => {
    expect(() => resolveKubeconfig(document, '/')).toThrow(problem);
  });
});

describe('addresses and the API’s lists', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['010.000.000.001', '10.0.0.1'],
    ['FD00::A', 'fd00::a'],
    ['fd00:0:0:0:0:0:0:a', 'fd00::a'],
    ['10.0.0.256', undefined],
    ['example.com', undefined],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
  ])('canonicalIp(%j) is %j', (raw, canonical) => {
    expect(canonicalIp(raw)).toBe(canonical);
  });

  it('selects Services by external IP or load-balancer IP among the VIPs', () => {
    const vips = vipSet(['10.0.0.5', '10.0.0.6', 'FD00::7']);
    const list = serviceList([
      service({ name: 'a', externalIPs: ['10.0.0.5', '192.0.2.1'], ports: [{ port: 80, nodePort: 30080 }] }),
      service({
        name: 'b',
        loadBalancerIPs: ['fd00::7'],
        healthCheckNodePort: 32000,
        ports: [{ name: 'h', port: 443 }],
      }),
      service({ name: 'c', externalIPs: ['192.0.2.2'], ports: [{ port: 80 }] }),
      service({ name: 'd', externalIPs: ['10.0.0.6'], local: true, ports: [{ port: 53, protocol: 'UDP' }] }),
    ]);
    expect(servicesOnVips(list, vips)).toEqual([
      {
        namespace: 'web',
        name: 'a',
        addresses: ['10.0.0.5'],
        local: false,
        healthCheckNodePort: undefined,
        ports: [{ port: 80, name: '', protocol: 'TCP', nodePort: 30080 }],
      },
      {
        namespace: 'web',
        name: 'b',
        addresses: ['fd00::7'],
        local: true,
        healthCheckNodePort: 32000,
        ports: [{ port: 443, name: 'h', protocol: 'TCP', nodePort: undefined }],
      },
      {
        namespace: 'web',
        name: 'd',
        addresses: ['10.0.0.6'],
        local: true,
        healthCheckNodePort: undefined,
        ports: [{ port: 53, name: '', protocol: 'UDP', nodePort: undefined }],
      },
    ]);
  });

  it('counts ready endpoints per Service port from the slices that name it', () => {
    const web = service({
      name: 'web',
      externalIPs: ['10.0.0.5'],
      ports: [
        { name: 'http', port: 80 },
        { name: 'metrics', port: 9090 },
      ],
    });
    const other = service({
      namespace: 'other',
      name: 'web',
      externalIPs: ['10.0.0.5'],
      ports: [{ name: 'http', port: 80 }],
    });
    const selected = servicesOnVips(serviceList([web]), vipSet(['10.0.0.5']));
    const slices = endpointSlices(
      endpointSliceList([
        endpointSlice(web, [true, false, undefined]),
        endpointSlice(web, [true], [{ name: 'http', port: 80 }]),
        // Same name, other namespace: not this Service's.
        endpointSlice(other, [true, true, true]),
      ]),
    );
    expect(withEndpoints(selected, slices)[0]?.ports).toEqual([
      { port: 80, name: 'http', protocol: 'TCP', nodePort: undefined, readyEndpoints: 3, endpoints: 4 },
      { port: 9090, name: 'metrics', protocol: 'TCP', nodePort: undefined, readyEndpoints: 2, endpoints: 3 },
    ]);
  });

  it.each([
    ['null', null, 'expected a ServiceList (an object with an items array), got null'],
    ['a Status', { kind: 'Status', message: 'forbidden' }, 'got a Status: forbidden'],
    ['no items', { kind: 'ServiceList' }, 'got no items array'],
    ['a string item', { items: ['x'] }, 'item 1 is not an object'],
    ['an item without a name', { items: [{ metadata: { namespace: 'a' } }] }, 'item 1 has none'],
    [
      'a port without a number',
      {
        items: [
          {
            metadata: { namespace: 'a', name: 'b' },
            spec: { externalIPs: ['10.0.0.5'], ports: [{ name: 'x' }] },
          },
        ],
      },
      'expected Service ports with a port number from 1 to 65535, a/b port 1 has none',
    ],
  ])('refuses a ServiceList with %s', (_, body, problem) => {
    expect(() => servicesOnVips(body, vipSet(['10.0.0.5']))).toThrow(problem);
  });

  it('asks the API’s watch cache, with the selector', () => {
    expect(listQuery(undefined)).toBe('resourceVersion=0');
    expect(listQuery('kubernetes.io/service-name in (a,b)')).toBe(
      'resourceVersion=0&labelSelector=kubernetes.io%2Fservice-name+in+%28a%2Cb%29',
    );
  });
});

describe('the probe plan', () => {
  const port = (overrides: Partial<ServiceOnVips['ports'][number]> = {}) => ({
    port: 80,
    name: '',
    protocol: 'TCP',
    nodePort: undefined,
    readyEndpoints: 1,
    endpoints: 1,
    ...overrides,
  });
  const base = {
    namespace: 'ns',
    name: 'svc',
    addresses: ['10.0.0.5', '10.0.0.6'],
    local: false,
    healthCheckNodePort: undefined,
  };
  const options = { healthHost: '127.0.0.1', nodeIp: '10.0.1.21' };

  it('connects to each external IP and the node port; Local Services with a health port are asked that instead', () => {
    const plan = planProbes(
      [
        { ...base, ports: [port({ nodePort: 30080 })] },
        {
          ...base,
          name: 'local',
          local: true,
          healthCheckNodePort: 32000,
          ports: [port(), port({ port: 443, nodePort: 30443 })],
        },
        { ...base, name: 'local-no-lb', local: true, ports: [port()] },
      ],
      options,
    );
    expect(plan).toEqual({
      skipped: [],
      ports: [
        {
          label: 'ns/svc:80',
          problems: [],
          targets: [
            { kind: 'tcp', host: '10.0.0.5', port: 80, role: 'external IP' },
            { kind: 'tcp', host: '10.0.0.6', port: 80, role: 'external IP' },
            { kind: 'tcp', host: '10.0.1.21', port: 30080, role: 'node port' },
          ],
        },
        { label: 'ns/local:80', problems: [], targets: [{ kind: 'health', host: '127.0.0.1', port: 32000 }] },
        {
          label: 'ns/local:443',
          problems: [],
          targets: [
            { kind: 'health', host: '127.0.0.1', port: 32000 },
            { kind: 'tcp', host: '10.0.1.21', port: 30443, role: 'node port' },
          ],
        },
        {
          label: 'ns/local-no-lb:80',
          problems: [],
          targets: [
            { kind: 'tcp', host: '10.0.0.5', port: 80, role: 'external IP' },
            { kind: 'tcp', host: '10.0.0.6', port: 80, role: 'external IP' },
          ],
        },
      ],
    });
  });

  it('skips UDP and SCTP on the network but still wants ready endpoints; a Service with no ports fails', () => {
    const plan = planProbes(
      [
        {
          ...base,
          ports: [
            port({ port: 53, protocol: 'UDP', readyEndpoints: 0, endpoints: 2 }),
            port({ port: 9, protocol: 'SCTP' }),
          ],
        },
        { ...base, name: 'empty', ports: [] },
      ],
      options,
    );
    expect(plan).toEqual({
      skipped: ['ns/svc:53/UDP', 'ns/svc:9/SCTP'],
      ports: [
        { label: 'ns/svc:53', problems: ['no ready endpoint (0 of 2 ready)'], targets: [] },
        { label: 'ns/svc:9', problems: [], targets: [] },
        { label: 'ns/empty', problems: ['the Service has no ports'], targets: [] },
      ],
    });
  });
});

describe('the cache', () => {
  const list: CachedList = { version: 1, key: 'k', fetchedAt: 1_000_000, services: [] };

  it('is fresh before IPF_EXTERNALIP_CACHE_S and usable up to IPF_EXTERNALIP_STALE_S', () => {
    expect(isFresh(list, 1_000_000 + 29_999, 30)).toBe(true);
    expect(isFresh(list, 1_000_000 + 30_000, 30)).toBe(false);
    expect(isFresh(list, 1_000_000, 0)).toBe(false);
    expect(isUsableWhenApiFails(list, 1_000_000 + 300_000, 300)).toBe(true);
    expect(isUsableWhenApiFails(list, 1_000_000 + 300_001, 300)).toBe(false);
    // The clock went back: the list's age is unknown, so it is neither fresh nor usable.
    expect(ageSeconds(list, 999_000)).toBe(Number.POSITIVE_INFINITY);
    expect(isFresh(list, 999_000, 30)).toBe(false);
    expect(isUsableWhenApiFails(list, 999_000, 300)).toBe(false);
  });

  it.each([
    ['the same key', JSON.stringify(list), 'k', list],
    ['another key', JSON.stringify(list), 'other', undefined],
    ['another version', JSON.stringify({ ...list, version: 2 }), 'k', undefined],
    ['a torn file', JSON.stringify(list).slice(0, 20), 'k', undefined],
    ['a malformed Service', JSON.stringify({ ...list, services: [{ name: 'x' }] }), 'k', undefined],
  ])('parses a file with %s', (_, text, key, expected) => {
    expect(parseCache(text, key)).toEqual(expected);
  });
});

describe('the node IP for NodePort probes', () => {
  const network = (names: Record<string, string[]>, defaultRoute?: string) => (): HostNetwork => ({
    interfaces: Object.fromEntries(
      Object.entries(names).map(([name, ips]) => [
        name,
        ips.map((ip) => ({
          address: ip,
          family: ip.includes(':') ? ('IPv6' as const) : ('IPv4' as const),
          netmask: '',
          mac: '',
          internal: false,
          cidr: null,
          scopeid: 0,
        })),
      ]),
    ),
    defaultRouteDevice: defaultRoute,
  });
  const node = network({ 'br-ex': ['fd00::21', '10.0.1.21'], eth1: ['192.0.2.9'] }, 'br-ex');

  it.each([
    ['the override', '10.9.9.9', 'br-ex', { address: '10.9.9.9', origin: 'IPF_EXTERNALIP_NODE_IP' }],
    [
      'the configured interface',
      undefined,
      'br-ex',
      { address: '10.0.1.21', origin: 'the node IP of br-ex' },
    ],
    // A configured interface that does not exist falls back to the image's candidates: eth1 first.
    [
      'the image’s fallback',
      undefined,
      'br-x',
      { address: '192.0.2.9', origin: 'the node IP of eth1 (br-x does not exist; the image falls back)' },
    ],
  ])('uses %s', (_, override, configured, expected) => {
    expect(resolveNodeIp(override, configured, node)).toEqual(expected);
  });

  it('falls back to 127.0.0.1 as the image does when the interface has no IPv4 address', () => {
    expect(resolveNodeIp(undefined, 'br-ex', network({ 'br-ex': ['fd00::21'] }, 'br-ex'))).toEqual({
      address: '127.0.0.1',
      origin: '127.0.0.1, because br-ex has no IPv4 address and the image falls back to it',
    });
  });
});

describe('IPF_KUBECONFIG', () => {
  it('asks for JSON, and says how to get it, when given a YAML kubeconfig', async () => {
    const { readKubeconfigAccess } = await import('../../checks/externalip/access.ts');
    expect(() => readKubeconfigAccess('/k', 'apiVersion: v1\nkind: Config\n')).toThrow(
      'YAML; `oc config view --minify --flatten --raw -o json > FILE` writes it as JSON',
    );
    expect(() => readKubeconfigAccess('/k', '{"apiVersion": ')).toThrow(/^not valid JSON: /);
  });

  it('never calls a YAML kubeconfig JSON: the whole settings error', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ipft-kubeconfig-'));
    const path = join(directory, 'config');
    writeFileSync(path, 'apiVersion: v1\nkind: Config\n');
    const stderr: string[] = [];
    const outcome = await runCheckWithResult(externalIpCheck, {
      argv: ['--validate'],
      env: { IPF_KUBECONFIG: path, OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1', IPF_STATE_DIR: directory },
      stderr: (line) => stderr.push(line),
    });
    rmSync(directory, { recursive: true });
    expect(outcome.code).toBe(1);
    expect(stderr).toEqual([
      `externalip-check: IPF_KUBECONFIG: expected a kubeconfig in JSON (\`oc config view --minify --flatten --raw -o json\`; YAML is not read) whose current context has an https:// server and a token, tokenFile or client certificate and key, got "${path}" (YAML; \`oc config view --minify --flatten --raw -o json > FILE\` writes it as JSON)`,
    ]);
  });
});
