import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FILE, type CachedList } from '../checks/externalip/cache.ts';
import { createExternalIpCheck, externalIpCheck } from '../checks/externalip/check.ts';
import { type FakeKubeApi, startFakeKubeApi, writeKubeconfig } from '../testkit/fake-kube-api.ts';
import { endpointSlice, service } from '../testkit/kube-objects.ts';
import { makePki, type Pki } from '../testkit/pki.ts';
import {
  closedPort,
  isolatedEnv,
  onCleanup,
  type RunResult,
  runInProcess,
  suiteDirectory,
  tcpServer,
  temporaryDirectory,
} from './support/harness.ts';

const TOKEN = 'sha256~the-service-account-token';
const DEADLINE_MS = 1000;
/** The API's share: half the deadline. */
const API_BUDGET_MS = DEADLINE_MS / 2;

let pki: Pki;
let api: FakeKubeApi;
let suite: string;
let kubeconfig: string;
let caData: string;

beforeAll(async () => {
  suite = suiteDirectory();
  pki = makePki(suite);
  caData = readFileSync(pki.caFile).toString('base64');
  api = await startFakeKubeApi({
    cert: pki.good.cert,
    key: pki.good.key,
    token: TOKEN,
    clientCa: readFileSync(pki.caFile),
  });
  kubeconfig = writeKubeconfig(join(suite, 'kubeconfig'), {
    cluster: { 'certificate-authority-data': caData, server: api.url },
    user: { token: TOKEN },
  });
});
afterAll(() => api.close());
beforeEach(() => {
  api.services = [];
  api.slices = [];
  api.behaviour = { kind: 'normal' };
  api.requests.length = 0;
});

type Env = ReturnType<typeof isolatedEnv>;

function checkEnv(extra: Record<string, string> = {}): Env {
  return isolatedEnv({
    IPF_KUBECONFIG: kubeconfig,
    OPENSHIFT_HA_VIRTUAL_IPS: '127.0.0.1-3',
    IPF_EXTERNALIP_NODE_IP: '127.0.0.1',
    IPF_CHECK_TIMEOUT_MS: String(DEADLINE_MS),
    ...extra,
  });
}

const run = (env: Env, argv: string[] = []) => runInProcess(externalIpCheck, env, argv);

/** An HTTP server on 127.0.0.1 standing in for kube-proxy's health check node port. */
async function healthServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<number> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve).closeAllConnections()));
  return (server.address() as { port: number }).port;
}

const listener = async () => (await tcpServer((socket) => socket.end())).port;

/** Services on the VIPs, all healthy: ExternalIP + NodePort, LoadBalancer Local, UDP, one off the VIPs. */
async function healthyCluster() {
  const healthPaths: string[] = [];
  const ports = {
    web: await listener(),
    webNode: await listener(),
    shopNode: await listener(),
    health: await healthServer((request, response) => {
      healthPaths.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"localEndpoints":1}');
    }),
  };
  const web = service({
    name: 'web',
    externalIPs: ['127.0.0.1'],
    ports: [{ name: 'http', port: ports.web, nodePort: ports.webNode }],
  });
  const shop = service({
    namespace: 'shop',
    name: 'shop',
    loadBalancerIPs: ['127.0.0.2'],
    healthCheckNodePort: ports.health,
    ports: [{ name: 'https', port: 443, nodePort: ports.shopNode }],
  });
  const dns = service({
    name: 'dns',
    externalIPs: ['127.0.0.3'],
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
  });
  // Not on this deployment's VIPs: never probed, though nothing listens on its port.
  const elsewhere = service({
    name: 'elsewhere',
    externalIPs: ['192.0.2.10'],
    ports: [{ port: await closedPort() }],
  });
  api.services = [web, shop, dns, elsewhere];
  api.slices = [endpointSlice(web, [true, false]), endpointSlice(shop, [true]), endpointSlice(dns, [true])];
  return { ports, healthPaths, web, shop, dns };
}

/** A hostile case: fails, within the deadline, with one reason line that names it. */
async function expectFailure(env: Env, reason: string | RegExp): Promise<RunResult> {
  const result = await run(env);
  expect(result.code).toBe(1);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(reason);
  expect(result.elapsedMs).toBeLessThan(DEADLINE_MS + 300);
  expect(result.record).toMatchObject({ check: 'externalip-check', ok: false, passing: false });
  return result;
}

const cacheFile = (env: Env) => join(env.IPF_STATE_DIR, CACHE_FILE);

/** Moves the cached list's fetch time into the past, as if it had been fetched `seconds` ago. */
function ageCache(env: Env, seconds: number): void {
  const cached = JSON.parse(readFileSync(cacheFile(env), 'utf8')) as CachedList;
  writeFileSync(cacheFile(env), JSON.stringify({ ...cached, fetchedAt: Date.now() - seconds * 1000 }));
}

/** A healthy cluster whose list is cached, `seconds` old, and then an API that answers with `status`. */
async function cachedThenApiFails(
  seconds: number,
  status: Omit<Extract<FakeKubeApi['behaviour'], { kind: 'status' }>, 'kind'>,
) {
  await healthyCluster();
  const env = checkEnv();
  expect((await run(env)).code).toBe(0);
  ageCache(env, seconds);
  api.behaviour = { kind: 'status', ...status };
  return env;
}

describe('externalip-check: Services on the VIPs', () => {
  it('passes when every Service port on the VIPs is healthy, asking the API twice', async () => {
    const { healthPaths } = await healthyCluster();
    const result = await run(checkEnv());
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.record).toMatchObject({ ok: true, passing: true });
    expect(healthPaths).toEqual(['/healthz']);
    expect(api.requests.map(({ path, query }) => [path, query])).toEqual([
      ['/api/v1/services', { resourceVersion: '0' }],
      [
        '/apis/discovery.k8s.io/v1/endpointslices',
        { resourceVersion: '0', labelSelector: 'kubernetes.io/service-name in (dns,shop,web)' },
      ],
    ]);
    expect(api.requests.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('--validate describes the API, the VIPs, the cache and the probes, and asks nothing', async () => {
    const result = await run(checkEnv({ IPF_EXTERNALIP_SELECTOR: 'tier in (edge, web),!canary' }), [
      '--validate',
    ]);
    expect(result.code).toBe(0);
    const text = result.stdout.join('\n');
    expect(text).toContain('externalip-check: settings are valid; deadline 1000 ms');
    expect(text).toContain(
      `API: ${api.url}, from IPF_KUBECONFIG ${kubeconfig} (context default/test-cluster/checker)`,
    );
    expect(text).toContain('among the 3 VIPs 127.0.0.1, 127.0.0.2, 127.0.0.3');
    expect(text).toContain('selector tier in (edge,web),!canary');
    expect(text).toContain('the API gets 500 ms (half the deadline)');
    expect(text).toContain('UDP and SCTP ports are skipped by the network probes');
    expect(text).not.toContain(TOKEN);
    expect(api.requests).toEqual([]);
    expect(result.record).toBeUndefined();
  });

  it('names the Service port without a ready endpoint, and counts unset conditions as ready', async () => {
    const { web, shop, dns } = await healthyCluster();
    api.slices = [
      endpointSlice(web, [false, false]),
      endpointSlice(shop, [undefined]),
      endpointSlice(dns, [true]),
    ];
    const result = await expectFailure(
      checkEnv(),
      `externalip-check: FAIL 1 of 3 Service ports fail: web/web:${web.spec?.ports?.[0]?.port}: no ready endpoint (0 of 2 ready)`,
    );
    api.slices = [endpointSlice(shop, [true])];
    await expectFailure(
      checkEnv(),
      /2 of 3 Service ports fail: web\/web:\d+: no ready endpoint \(no endpoints\); web\/dns:53: no ready endpoint \(no endpoints\) \(UDP\/SCTP ports skipped, only their endpoints checked: web\/dns:53\/UDP\)$/,
    );
    expect(result.log).toContain('externalip-check: FAIL 1 of 3 Service ports fail');
  });

  it('checks a Local Service’s healthCheckNodePort instead of its external IP', async () => {
    const { shop } = await healthyCluster();
    const health = await healthServer((_, response) =>
      response.writeHead(503).end('{"localEndpoints":0,"service":{"namespace":"shop","name":"shop"}}'),
    );
    api.services = [service({ ...shopSpec(shop), healthCheckNodePort: health })];
    api.slices = [endpointSlice(api.services[0] as IService, [true])];
    await expectFailure(
      checkEnv(),
      `1 of 1 Service ports fail: shop/shop:443: GET http://127.0.0.1:${health}/healthz (healthCheckNodePort): status 503, expected 200 (no ready endpoint on this node)`,
    );
  });

  it.each([
    [
      'a status line split across packets',
      (socket: Socket) => {
        socket.write('HTTP/1.1 2');
        setTimeout(() => socket.end('00 OK\r\nContent-Length: 0\r\n\r\n'), 20);
      },
      undefined,
    ],
    [
      'an answer that is not HTTP',
      (socket: Socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'),
      /not an HTTP answer: "SSH-2\.0-OpenSSH_9\.6\\r"/,
    ],
    [
      'a connection closed without an answer',
      (socket: Socket) => socket.end(),
      /closed before a status line arrived/,
    ],
    [
      'a status other than 200',
      (socket: Socket) => socket.end('HTTP/1.1 500 Internal Server Error\r\n\r\n'),
      /status 500, expected 200$/,
    ],
  ])('reads the health check’s status line: %s', async (_, answer, reason) => {
    const { shop } = await healthyCluster();
    const health = await tcpServer((socket) => socket.once('data', () => answer(socket)));
    api.services = [service({ ...shopSpec(shop), healthCheckNodePort: health.port })];
    api.slices = [endpointSlice(api.services[0] as IService, [true])];
    if (reason === undefined) expect((await run(checkEnv())).stderr).toEqual([]);
    else await expectFailure(checkEnv(), reason);
  });

  it('names the external IP and the node port that refuse connections', async () => {
    const closed = await closedPort();
    const closedNode = await closedPort();
    const web = service({
      name: 'web',
      externalIPs: ['127.0.0.1'],
      ports: [{ name: 'http', port: closed, nodePort: closedNode }],
    });
    api.services = [web];
    api.slices = [endpointSlice(web, [true])];
    await expectFailure(
      checkEnv(),
      new RegExp(
        `1 of 1 Service ports fail: web/web:${closed}: TCP 127\\.0\\.0\\.1:${closed} \\(external IP\\): connect ECONNREFUSED [^,]+, TCP 127\\.0\\.0\\.1:${closedNode} \\(node port\\): connect ECONNREFUSED`,
      ),
    );
  });

  it('probes the node port on the node IP', async () => {
    const web = service({
      name: 'web',
      externalIPs: ['127.0.0.1'],
      ports: [{ port: await listener(), nodePort: 30080 }],
    });
    api.services = [web];
    api.slices = [endpointSlice(web, [true])];
    await expectFailure(
      checkEnv({ IPF_EXTERNALIP_NODE_IP: '127.0.0.9' }),
      /TCP 127\.0\.0\.9:30080 \(node port\): connect ECONNREFUSED/,
    );
  });

  it('fails a Service with no ports', async () => {
    const headless = { ...service({ name: 'empty', externalIPs: ['127.0.0.1'], ports: [{ port: 80 }] }) };
    headless.spec = { ...headless.spec, ports: [] };
    api.services = [headless];
    await expectFailure(
      checkEnv(),
      'externalip-check: FAIL 1 of 1 Service ports fail: web/empty: the Service has no ports',
    );
  });

  it('passes a Service with only UDP ports when it has ready endpoints', async () => {
    const dns = service({ name: 'dns', externalIPs: ['127.0.0.3'], ports: [{ port: 53, protocol: 'UDP' }] });
    api.services = [dns];
    api.slices = [endpointSlice(dns, [true])];
    expect((await run(checkEnv())).code).toBe(0);
  });

  it('fails when no Service is on the VIPs, and says where it looked', async () => {
    api.services = [service({ name: 'elsewhere', externalIPs: ['192.0.2.10'], ports: [{ port: 80 }] })];
    await expectFailure(
      checkEnv({ IPF_EXTERNALIP_NAMESPACES: 'web', IPF_EXTERNALIP_SELECTOR: 'app=web' }),
      'externalip-check: FAIL no Service has an external IP or load-balancer IP among the 3 VIPs 127.0.0.1, 127.0.0.2, 127.0.0.3 in namespaces web with labels app=web',
    );
    // Nothing to match: no EndpointSlice request either.
    expect(api.requests.map(({ path }) => path)).toEqual(['/api/v1/namespaces/web/services']);
  });

  it('matches IPv6 VIPs whatever their spelling', async () => {
    // UDP: no connection is tried to an address this machine has no route to.
    const web = service({ name: 'web', externalIPs: ['fd00::a'], ports: [{ port: 80, protocol: 'UDP' }] });
    api.services = [web];
    api.slices = [endpointSlice(web, [false])];
    // The image expands IPv6 ranges in uppercase; the API writes lowercase.
    await expectFailure(
      checkEnv({ OPENSHIFT_HA_VIRTUAL_IPS: 'FD00::9-B' }),
      /web\/web:80: no ready endpoint/,
    );
  });

  it('names every failing port when a probe is still unanswered at the deadline', async () => {
    const { shop, web, dns } = await healthyCluster();
    const silent = await tcpServer(() => {});
    api.services = [service({ ...shopSpec(shop), healthCheckNodePort: silent.port }), web, dns];
    api.slices = [endpointSlice(api.services[0] as IService, [true]), endpointSlice(web, [false])];
    await expectFailure(
      checkEnv(),
      new RegExp(
        `^externalip-check: FAIL 3 of 3 Service ports fail: shop/shop:443: GET http://127\\.0\\.0\\.1:${silent.port}/healthz \\(healthCheckNodePort\\): no answer before the check’s deadline \\(${DEADLINE_MS} ms\\); web/web:\\d+: no ready endpoint \\(0 of 1 ready\\); web/dns:53: no ready endpoint \\(no endpoints\\)`,
      ),
    );
  });
});

function shopSpec(shop: IService) {
  return {
    namespace: 'shop',
    name: 'shop',
    loadBalancerIPs: ['127.0.0.2'],
    ports: [{ name: 'https', port: 443, nodePort: shop.spec?.ports?.[0]?.nodePort ?? 0 }],
  };
}

describe('externalip-check: what it asks the API', () => {
  it('lists per namespace with IPF_EXTERNALIP_NAMESPACES, and sends the selector in its canonical form', async () => {
    const { shop } = await healthyCluster();
    api.services = [shop];
    const result = await run(
      checkEnv({
        IPF_EXTERNALIP_NAMESPACES: 'shop,web,shop',
        IPF_EXTERNALIP_SELECTOR: ' app == shop , tier in ( edge,web ), !canary',
      }),
    );
    expect(result.stderr).toEqual([]);
    const selector = 'app=shop,tier in (edge,web),!canary';
    expect(api.requests.map(({ path, query }) => [path, query.labelSelector])).toEqual([
      ['/api/v1/namespaces/shop/services', selector],
      ['/api/v1/namespaces/web/services', selector],
      ['/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices', 'kubernetes.io/service-name in (shop)'],
    ]);
  });

  it('a selector that does not parse is a settings error naming IPF_EXTERNALIP_SELECTOR', async () => {
    const env = checkEnv({ IPF_EXTERNALIP_SELECTOR: 'app in (web' });
    const message =
      'IPF_EXTERNALIP_SELECTOR: expected a label selector: requirements separated by commas, each one of key=value, key==value, key!=value, key in (a,b), key notin (a,b), key or !key, got "app in (web" (character 12: expected "," or ")" in the value set, found the end)';
    const result = await run(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([`externalip-check: FAIL ${message}`]);
    const validate = await run(env, ['--validate']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toEqual([`externalip-check: ${message}`]);
    expect(api.requests).toEqual([]);
  });

  it('presents a client certificate from files named relative to the kubeconfig', async () => {
    await healthyCluster();
    const directory = temporaryDirectory();
    mkdirSync(join(directory, 'certs'));
    writeFileSync(join(directory, 'certs', 'client.crt'), pki.client.cert);
    writeFileSync(join(directory, 'certs', 'client.key'), pki.client.key);
    const path = writeKubeconfig(join(directory, 'config'), {
      cluster: { 'certificate-authority': pki.caFile, server: api.url },
      user: { 'client-certificate': 'certs/client.crt', 'client-key': 'certs/client.key' },
    });
    const result = await run(checkEnv({ IPF_KUBECONFIG: path }));
    expect(result.stderr).toEqual([]);
    expect(
      api.requests.every((request) => request.clientCertificate && request.authorization === undefined),
    ).toBe(true);
  });

  it('reads a tokenFile, and skips verification only with insecure-skip-tls-verify', async () => {
    await healthyCluster();
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'token'), `${TOKEN}\n`);
    const path = writeKubeconfig(join(directory, 'config'), {
      cluster: { 'insecure-skip-tls-verify': true, server: api.url },
      user: { tokenFile: 'token' },
    });
    const result = await run(checkEnv({ IPF_KUBECONFIG: path }));
    expect(result.stderr).toEqual([]);
  });

  it('uses the in-cluster service account without IPF_KUBECONFIG', async () => {
    await healthyCluster();
    const accountDir = temporaryDirectory();
    writeFileSync(join(accountDir, 'token'), TOKEN);
    writeFileSync(join(accountDir, 'ca.crt'), readFileSync(pki.caFile));
    writeFileSync(join(accountDir, 'namespace'), 'ipfailover');
    const inCluster = createExternalIpCheck({ serviceAccountDir: accountDir });
    const { IPF_KUBECONFIG: _, ...env } = checkEnv({
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(api.port),
    });
    const result = await runInProcess(inCluster, env);
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(api.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);

    const validate = await runInProcess(inCluster, env, ['--validate']);
    expect(validate.stdout).toContain(
      `API: https://127.0.0.1:${api.port}, from the in-cluster service account (${accountDir})`,
    );
  });

  it('says what is missing outside a cluster without IPF_KUBECONFIG', async () => {
    const { IPF_KUBECONFIG: _, ...env } = checkEnv();
    const result = await runInProcess(
      createExternalIpCheck({ serviceAccountDir: temporaryDirectory() }),
      env,
    );
    expect(result.stderr).toEqual([
      'externalip-check: FAIL KUBERNETES_SERVICE_HOST: expected the value Kubernetes sets in every pod, or IPF_KUBECONFIG outside a cluster, got nothing',
    ]);
    const noAccount = await runInProcess(createExternalIpCheck({ serviceAccountDir: join(suite, 'none') }), {
      ...env,
      KUBERNETES_SERVICE_HOST: '172.30.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
    expect(noAccount.stderr[0]).toMatch(
      /^externalip-check: FAIL service account: expected the token and ca\.crt Kubernetes mounts in every pod \(unless automountServiceAccountToken is false\), or IPF_KUBECONFIG outside a cluster, got cannot read the service account token .*none\/token: ENOENT/,
    );
  });

  it.each([
    [
      'an exec plugin',
      { cluster: { server: 'https://127.0.0.1:6443' }, user: { exec: '{}' } },
      /user "checker\/test-cluster": exec is not supported/,
    ],
    [
      'a plain-HTTP server',
      { cluster: { server: 'http://127.0.0.1:6443' }, user: { token: 'x' } },
      /expected an https:\/\/ server URL, got "http:\/\/127\.0\.0\.1:6443"/,
    ],
    [
      'no credentials',
      { cluster: { server: 'https://127.0.0.1:6443' }, user: { username: 'admin' } },
      /username is not supported/,
    ],
    [
      'a CA file that is missing',
      {
        cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': '/nonexistent/ca.crt' },
        user: { token: 'x' },
      },
      /cannot read certificate-authority \/nonexistent\/ca\.crt: ENOENT/,
    ],
  ])('a kubeconfig with %s is a settings error naming IPF_KUBECONFIG', async (_, parts, reason) => {
    const path = writeKubeconfig(join(temporaryDirectory(), 'config'), parts);
    const result = await run(checkEnv({ IPF_KUBECONFIG: path }));
    expect(result.code).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/^externalip-check: FAIL IPF_KUBECONFIG: expected a kubeconfig/);
    expect(result.stderr[0]).toMatch(reason);
  });
});

describe('externalip-check against a hostile API: each fails within the deadline, naming what failed', () => {
  const services = `Kubernetes API https://127.0.0.1:\\d+: GET /api/v1/services`;

  it('a bad token: 401', async () => {
    await healthyCluster();
    const path = writeKubeconfig(join(temporaryDirectory(), 'config'), {
      cluster: { 'certificate-authority-data': caData, server: api.url },
      user: { token: 'sha256~revoked' },
    });
    await expectFailure(
      checkEnv({ IPF_KUBECONFIG: path }),
      new RegExp(
        `^externalip-check: FAIL ${services}: 401 Unauthorized: Unauthorized \\(the API refused the token or client certificate\\); no cached Service list: failing closed$`,
      ),
    );
  });

  it.each<[string, FakeKubeApi['behaviour'], RegExp]>([
    [
      '403 Forbidden points at the RBAC file',
      {
        kind: 'status',
        code: 403,
        reason: 'Forbidden',
        message:
          'services is forbidden: User "system:serviceaccount:ipfailover:ipfailover" cannot list resource "services" in API group "" at the cluster scope',
      },
      /GET \/api\/v1\/services: 403 Forbidden: services is forbidden: User "system:serviceaccount:ipfailover:ipfailover" cannot list resource "services" .* \(the ClusterRole and ClusterRoleBinding in deploy\/externalip-rbac\.yaml grant what this check needs\)/,
    ],
    [
      '404 on EndpointSlices',
      {
        kind: 'slices-status',
        code: 404,
        reason: 'NotFound',
        message: 'the server could not find the requested resource',
      },
      /GET \/apis\/discovery\.k8s\.io\/v1\/endpointslices: 404 Not Found: the server could not find the requested resource \(the API does not serve this resource/,
    ],
    [
      '500',
      {
        kind: 'status',
        code: 500,
        reason: 'InternalError',
        message: 'Internal error occurred: etcdserver: leader changed',
      },
      new RegExp(
        `${services}: 500 Internal Server Error: Internal error occurred: etcdserver: leader changed; no cached`,
      ),
    ],
  ])('%s', async (_, behaviour, reason) => {
    await healthyCluster();
    api.behaviour = behaviour;
    await expectFailure(checkEnv(), reason);
  });

  it('truncated JSON', async () => {
    await healthyCluster();
    api.behaviour = { kind: 'truncated' };
    await expectFailure(checkEnv(), new RegExp(`${services}: the answer is not valid JSON \\(`));
  });

  it('a connection dropped in the middle of the answer', async () => {
    await healthyCluster();
    api.behaviour = { kind: 'dropped' };
    await expectFailure(
      checkEnv(),
      new RegExp(`${services}: .*(other side closed|terminated|ECONNRESET|length mismatch)`, 'i'),
    );
  });

  it('malformed JSON, and JSON that is not a list', async () => {
    api.behaviour = { kind: 'body', body: '{"kind": "ServiceList", "items": [' };
    await expectFailure(checkEnv(), new RegExp(`${services}: the answer is not valid JSON`));
    api.behaviour = { kind: 'body', body: '<html>502 Bad Gateway</html>' };
    await expectFailure(checkEnv(), new RegExp(`${services}: the answer is not valid JSON`));
    api.behaviour = { kind: 'body', body: '{"kind": "ServiceList", "items": {"a": 1}}' };
    await expectFailure(
      checkEnv(),
      new RegExp(
        `${services}: expected a ServiceList \\(an object with an items array\\), got no items array`,
      ),
    );
    api.behaviour = { kind: 'body', body: '{"items": [{"metadata": {"name": "x"}}]}' };
    await expectFailure(
      checkEnv(),
      /expected ServiceList items with metadata.namespace and metadata.name, item 1 has none/,
    );
  });

  it('an API that answers slowly gets half the deadline', async () => {
    await healthyCluster();
    api.behaviour = { kind: 'slow', ms: 5000 };
    const result = await expectFailure(
      checkEnv(),
      new RegExp(
        `${services}: no answer within ${API_BUDGET_MS} ms \\(half the check’s deadline\\); no cached Service list: failing closed`,
      ),
    );
    expect(result.elapsedMs).toBeGreaterThanOrEqual(API_BUDGET_MS - 20);
    expect(result.elapsedMs).toBeLessThan(API_BUDGET_MS + 300);
  });

  it('an API certificate that does not verify', async () => {
    await healthyCluster();
    const path = writeKubeconfig(join(temporaryDirectory(), 'config'), {
      cluster: { 'certificate-authority': join(pki.dir, 'other-ca.crt'), server: api.url },
      user: { token: TOKEN },
    });
    await expectFailure(
      checkEnv({ IPF_KUBECONFIG: path }),
      new RegExp(
        `${services}: (unable to verify the first certificate|unable to get local issuer certificate|self-signed certificate in certificate chain)`,
      ),
    );
    const wrongName = writeKubeconfig(join(temporaryDirectory(), 'config'), {
      cluster: {
        'certificate-authority-data': caData,
        server: api.url,
        'tls-server-name': 'kubernetes.default.svc',
      },
      user: { token: TOKEN },
    });
    await expectFailure(
      checkEnv({ IPF_KUBECONFIG: wrongName }),
      /Hostname\/IP does not match certificate's altnames/,
    );
  });
});

describe('externalip-check: the Service cache', () => {
  it('asks the API once per IPF_EXTERNALIP_CACHE_S, and again once it is due', async () => {
    await healthyCluster();
    const env = checkEnv();
    expect((await run(env)).code).toBe(0);
    expect(api.requests).toHaveLength(2);
    expect((await run(env)).code).toBe(0);
    expect(api.requests).toHaveLength(2);
    ageCache(env, 31);
    expect((await run(env)).code).toBe(0);
    expect(api.requests).toHaveLength(4);
  });

  it('probes the cached Services at every run: the network is never cached', async () => {
    const { web } = await healthyCluster();
    const env = checkEnv();
    expect((await run(env)).code).toBe(0);
    const port = web.spec?.ports?.[0]?.port ?? 0;
    // The listener goes away; the list comes from the cache, the connection is tried anew.
    const closed = await closedPort();
    const cached = JSON.parse(readFileSync(cacheFile(env), 'utf8')) as CachedList;
    const services = cached.services.map((entry) =>
      entry.name === 'web' ? { ...entry, ports: entry.ports.map((p) => ({ ...p, port: closed })) } : entry,
    );
    writeFileSync(cacheFile(env), JSON.stringify({ ...cached, services }));
    await expectFailure(
      env,
      new RegExp(`web/web:${closed}: TCP 127\\.0\\.0\\.1:${closed} \\(external IP\\): connect ECONNREFUSED`),
    );
    expect(port).not.toBe(closed);
    expect(api.requests).toHaveLength(2);
  });

  it('uses the cached list while the API is down, up to IPF_EXTERNALIP_STALE_S', async () => {
    const env = await cachedThenApiFails(120, {
      code: 500,
      reason: 'InternalError',
      message: 'etcd cluster is unavailable',
    });
    const during = await run(env);
    expect(during.stderr).toEqual([]);
    expect(during.code).toBe(0);
    expect(api.requests).toHaveLength(3);
    // The failed attempt does not renew the cache: the next run asks again.
    expect((JSON.parse(readFileSync(cacheFile(env), 'utf8')) as CachedList).fetchedAt).toBeLessThan(
      Date.now() - 119_000,
    );
  });

  it('says the list is from the cache when a probe fails during an outage', async () => {
    const { web, shop, dns } = await healthyCluster();
    const env = checkEnv();
    expect((await run(env)).code).toBe(0);
    ageCache(env, 45);
    api.behaviour = { kind: 'slow', ms: 5000 };
    const cached = JSON.parse(readFileSync(cacheFile(env), 'utf8')) as CachedList;
    const services = cached.services.map((entry) =>
      entry.name === 'web'
        ? { ...entry, ports: entry.ports.map((p) => ({ ...p, readyEndpoints: 0 })) }
        : entry,
    );
    writeFileSync(cacheFile(env), JSON.stringify({ ...cached, services }));
    await expectFailure(
      env,
      new RegExp(
        `web/web:${web.spec?.ports?.[0]?.port}: no ready endpoint \\(0 of 2 ready\\).* \\(Service list from the cache, 45 s old, because Kubernetes API https://127\\.0\\.0\\.1:\\d+: GET /api/v1/services: no answer within ${API_BUDGET_MS} ms`,
      ),
    );
    expect([shop, dns]).toHaveLength(2);
  });

  it('fails closed past IPF_EXTERNALIP_STALE_S, and says so', async () => {
    const env = await cachedThenApiFails(301, {
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'the server is currently unable to handle the request',
    });
    await expectFailure(
      env,
      /GET \/api\/v1\/services: 503 Service Unavailable: the server is currently unable to handle the request; the cached Service list is 301 s old, past IPF_EXTERNALIP_STALE_S=300: failing closed$/,
    );
    // The API is back: the next run asks it and passes.
    api.behaviour = { kind: 'normal' };
    expect((await run(env)).code).toBe(0);
  });

  it('honours shorter limits, and refuses a stale limit below the cache time', async () => {
    await healthyCluster();
    const env = checkEnv({ IPF_EXTERNALIP_CACHE_S: '5', IPF_EXTERNALIP_STALE_S: '10' });
    expect((await run(env)).code).toBe(0);
    ageCache(env, 6);
    expect((await run(env)).code).toBe(0);
    expect(api.requests).toHaveLength(4);
    ageCache(env, 11);
    api.behaviour = { kind: 'status', code: 500, reason: 'InternalError', message: 'boom' };
    await expectFailure(
      env,
      /the cached Service list is 11 s old, past IPF_EXTERNALIP_STALE_S=10: failing closed/,
    );

    const bad = await run(checkEnv({ IPF_EXTERNALIP_CACHE_S: '60', IPF_EXTERNALIP_STALE_S: '30' }));
    expect(bad.stderr[0]).toMatch(
      /^externalip-check: FAIL IPF_EXTERNALIP_STALE_S: expected at least IPF_EXTERNALIP_CACHE_S \(60\)/,
    );
  });

  it('never uses a list cached for other settings, or a corrupt or future-dated one', async () => {
    await healthyCluster();
    const env = checkEnv();
    expect((await run(env)).code).toBe(0);
    api.behaviour = { kind: 'status', code: 500, reason: 'InternalError', message: 'boom' };
    await expectFailure(
      { ...env, OPENSHIFT_HA_VIRTUAL_IPS: '127.0.0.1-4' },
      /500 Internal Server Error: boom; no cached Service list: failing closed/,
    );
    ageCache(env, -3600);
    await expectFailure(
      env,
      /the cached Service list is dated in the future \(the clock went back\), past IPF_EXTERNALIP_STALE_S=300/,
    );
    writeFileSync(cacheFile(env), '{"version":1,"key":');
    await expectFailure(env, /no cached Service list: failing closed/);
  });
});
