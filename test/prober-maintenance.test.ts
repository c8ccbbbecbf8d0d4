// Node maintenance. The built prober bundle, as its own process, reads its own Node
// from testkit's fake Kubernetes API over real TLS (a kubeconfig with the CA and a token), and
// verdict.sh or a raw client rings it. The label, the cordon, the file, an API that is down or never
// answers, and hostile files at the maintenance path.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_STATE_FILE } from '../checks/prober/maintenance.ts';
import { type FakeKubeApi, startFakeKubeApi, writeKubeconfig } from '../testkit/fake-kube-api.ts';
import { node } from '../testkit/kube-objects.ts';
import { makePki, type Pki } from '../testkit/pki.ts';
import { listenOnLoopback, onCleanup, suiteDirectory, temporaryDirectory } from './support/harness.ts';
import {
  ask,
  freshNonce,
  makePod,
  type Pod,
  type RunningProber,
  readText,
  refusedAtStart,
  runVerdict,
  switchableTcpTarget,
  tcpCheckPod,
  tcpCheckProber,
  verdictEnv,
} from './support/prober.ts';

const TOKEN = 'maintenance-test-token';
const NODE = 'worker-1.example.internal';
const LABEL_REASON = 'node in maintenance (label ipfailover-toolkit/maintenance=true)';
const CORDON_REASON = 'node in maintenance (cordon: spec.unschedulable, IPF_FOLLOW_CORDON=true)';

let pki: Pki;

beforeAll(() => {
  pki = makePki(suiteDirectory());
});

async function fakeApi(): Promise<{ api: FakeKubeApi; kubeconfig: string }> {
  const api = await startFakeKubeApi({ cert: pki.good.cert, key: pki.good.key, token: TOKEN });
  onCleanup(() => api.close());
  const kubeconfig = writeKubeconfig(join(temporaryDirectory(), 'kubeconfig'), {
    cluster: { 'certificate-authority-data': readFileSync(pki.caFile).toString('base64'), server: api.url },
    user: { token: TOKEN },
  });
  return { api, kubeconfig };
}

/** The verdict of one raw request for tcp-check (and http-check, when `checks` says so). */
async function verdict(pod: Pod, checks = 'tcp-check'): Promise<{ line: string; ms: number }> {
  const nonce = freshNonce();
  const started = Date.now();
  const reply = await ask(pod.port, `ipft2 ${pod.uid} ${checks} ${nonce} 1900\n`);
  const ms = Date.now() - started;
  expect(reply).toBe(`ready ${nonce}\n`);
  const line = readText(join(pod.stateDir, `verdict-${nonce}`)) ?? '';
  return { line: line.replace(`ipft2 ${pod.uid} ${checks} ${nonce} `, '').trimEnd(), ms };
}

/** Polls the verdict until `wanted` holds, for up to `timeoutMs`; returns the last one. */
async function verdictUntil(pod: Pod, wanted: (line: string) => boolean, timeoutMs = 8000, checks?: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { line } = await verdict(pod, checks);
    if (wanted(line)) return line;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the verdict; the last: ${line}`);
    await new Promise((resolved) => setTimeout(resolved, 200));
  }
}

async function maintenanceProber(
  pod: Pod,
  kubeconfig: string,
  extra: Record<string, string> = {},
): Promise<RunningProber> {
  const app = await switchableTcpTarget();
  return tcpCheckProber(pod, app.port, {
    IPF_KUBECONFIG: kubeconfig,
    NODE_NAME: NODE,
    IPF_MAINTENANCE_LABEL: 'true',
    IPF_MAINTENANCE_REFRESH_S: '1',
    ...extra,
  });
}

/**
 * A prober whose Node carries the maintenance label, once its verdict says so, and then the API
 * gone: what IPF_MAINTENANCE_MAX_AGE_S (`maxAgeS`) and the state file are for.
 */
async function labelledThenApiDown(
  maxAgeS: string,
): Promise<{ pod: Pod; prober: RunningProber; kubeconfig: string }> {
  const { api, kubeconfig } = await fakeApi();
  api.nodes = [node(NODE, { labels: { 'ipfailover-toolkit/maintenance': 'true' } })];
  const pod = await makePod();
  const prober = await maintenanceProber(pod, kubeconfig, { IPF_MAINTENANCE_MAX_AGE_S: maxAgeS });
  expect(await verdictUntil(pod, (line) => line !== 'pass')).toBe(`fail ${LABEL_REASON}`);
  await api.close();
  return { pod, prober, kubeconfig };
}

describe('the label ipfailover-toolkit/maintenance=true on the prober’s own Node', () => {
  it('label on: every check fails with the reason, verdict.sh says it and records it; label off: passes', async () => {
    const { api, kubeconfig } = await fakeApi();
    api.nodes = [node(NODE), node('other-node', { labels: { 'ipfailover-toolkit/maintenance': 'true' } })];
    const pod = await makePod();
    let applicationRequests = 0;
    const httpPort = await listenOnLoopback(
      createServer((_, response) => {
        applicationRequests += 1;
        response.end('ok');
      }),
    );
    const prober = await maintenanceProber(pod, kubeconfig, {
      IPF_CHECKS: 'tcp-check,http-check',
      IPF_HTTP_URL: `http://127.0.0.1:${httpPort}/`,
    });
    expect(await verdictUntil(pod, (line) => line === 'pass', 8000, 'tcp-check,http-check')).toBe('pass');

    api.nodes = [node(NODE, { labels: { 'ipfailover-toolkit/maintenance': 'true' } })];
    // One reason for the whole request, however many checks it names: none of them is probed.
    expect(await verdictUntil(pod, (line) => line !== 'pass', 8000, 'tcp-check,http-check')).toBe(
      `fail ${LABEL_REASON}`,
    );
    const seen = applicationRequests;
    expect((await verdict(pod, 'tcp-check,http-check')).line).toBe(`fail ${LABEL_REASON}`);
    expect(applicationRequests).toBe(seen);
    const run = await runVerdict(verdictEnv(pod), ['tcp-check']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`verdict.sh: FAIL ${LABEL_REASON}\n`);
    // What keepalived was told, as the exporter's /api/state shows it under checks.
    expect(JSON.parse(readText(join(pod.stateDir, 'check-verdict.json')) ?? '{}')).toMatchObject({
      check: 'verdict',
      ok: false,
      reason: LABEL_REASON,
    });
    // Only its own Node, with GET of the named object (RBAC get, never list).
    expect(new Set(api.requests.map((request) => request.path))).toEqual(new Set([`/api/v1/nodes/${NODE}`]));
    const resigns = `prober: ${LABEL_REASON}: every check fails, so keepalived resigns its VIPs\n`;
    expect(await prober.logged(resigns)).toContain(resigns);
    // The heartbeat (every 2 s) carries it too.
    const beat = () => JSON.parse(readText(join(pod.stateDir, 'prober.json')) ?? '{}').maintenance;
    for (let tries = 0; tries < 40 && beat() !== LABEL_REASON; tries += 1)
      await new Promise((resolved) => setTimeout(resolved, 100));
    expect(beat()).toBe(LABEL_REASON);

    // Any other value is no maintenance.
    api.nodes = [node(NODE, { labels: { 'ipfailover-toolkit/maintenance': 'false' } })];
    expect(await verdictUntil(pod, (line) => line === 'pass')).toBe('pass');
    const back = 'prober: node out of maintenance: the checks run again\n';
    expect(await prober.logged(back)).toContain(back);
  });

  it('a cordon counts only with IPF_FOLLOW_CORDON=true', async () => {
    const { api, kubeconfig } = await fakeApi();
    api.nodes = [node(NODE, { unschedulable: true })];
    const ignoring = await makePod();
    await maintenanceProber(ignoring, kubeconfig);
    const following = await makePod();
    await maintenanceProber(following, kubeconfig, {
      IPF_MAINTENANCE_LABEL: 'false',
      IPF_FOLLOW_CORDON: 'true',
    });
    expect(await verdictUntil(following, (line) => line !== 'pass')).toBe(`fail ${CORDON_REASON}`);
    // The other has read the same cordoned Node by now, and passes.
    expect((await verdict(ignoring)).line).toBe('pass');
    // Uncordoned: passes again.
    api.nodes = [node(NODE)];
    expect(await verdictUntil(following, (line) => line === 'pass')).toBe('pass');
  });

  it('an API that is down with no known state: not in maintenance, and the prober says why', async () => {
    const { api, kubeconfig } = await fakeApi();
    await api.close();
    const pod = await makePod();
    const prober = await maintenanceProber(pod, kubeconfig);
    await new Promise((resolved) => setTimeout(resolved, 1500));
    expect((await verdict(pod)).line).toBe('pass');
    expect(await prober.logged('no usable state, so not in maintenance by the API')).toMatch(
      new RegExp(
        `prober: cannot read Node ${NODE}: Kubernetes API https://127\\.0\\.0\\.1:\\d+: GET /api/v1/nodes/${NODE}: .*ECONNREFUSED.*; no usable state, so not in maintenance by the API\\n`,
      ),
    );
  });

  it('an API that goes down after the maintenance began: it holds for IPF_MAINTENANCE_MAX_AGE_S, then lapses', async () => {
    const { pod, prober } = await labelledThenApiDown('4');
    // The last answer the prober had, as it kept it for a restart.
    const state = () =>
      JSON.parse(readText(join(pod.stateDir, MAINTENANCE_STATE_FILE)) ?? '{}') as { fetchedAt: number };
    const held = await verdictUntil(pod, (line) => line.includes('it fails now'));
    expect(held).toMatch(
      new RegExp(
        `^fail ${LABEL_REASON.replace(/[()]/g, '\\$&')}, as the API said \\d s ago \\(trusted up to IPF_MAINTENANCE_MAX_AGE_S=4 s\\); it fails now: Kubernetes API .*ECONNREFUSED`,
      ),
    );
    const lastAnswer = state().fetchedAt;
    expect(await verdictUntil(pod, (line) => line === 'pass', 10_000)).toBe('pass');
    // Not before the last answer was IPF_MAINTENANCE_MAX_AGE_S old.
    expect(Date.now() - lastAnswer).toBeGreaterThanOrEqual(4000);
    const ends =
      'prober: maintenance ends: the last answer of the API is older than IPF_MAINTENANCE_MAX_AGE_S=4 s';
    expect(await prober.logged(ends)).toContain(ends);
  }, 30_000);

  it('a restart while the API is down keeps a maintenance from the state file, within the max age', async () => {
    const { pod, prober: first, kubeconfig } = await labelledThenApiDown('60');
    first.child.kill('SIGKILL');
    await first.exited;
    await maintenanceProber(pod, kubeconfig, { IPF_MAINTENANCE_MAX_AGE_S: '60' });
    expect((await verdict(pod)).line).toMatch(
      /^fail node in maintenance \(label ipfailover-toolkit\/maintenance=true\)/,
    );
  });

  it('an API that never answers does not delay a verdict', async () => {
    const { api, kubeconfig } = await fakeApi();
    api.nodes = [node(NODE, { labels: { 'ipfailover-toolkit/maintenance': 'true' } })];
    api.behaviour = { kind: 'slow', ms: 600_000 };
    const pod = await makePod();
    const prober = await maintenanceProber(pod, kubeconfig);
    for (let index = 0; index < 5; index += 1) {
      const { line, ms } = await verdict(pod);
      expect(line).toBe('pass');
      expect(ms).toBeLessThan(500);
      await new Promise((resolved) => setTimeout(resolved, 300));
    }
    await new Promise((resolved) => setTimeout(resolved, 500));
    expect(await prober.logged(`prober: cannot read Node ${NODE}: `)).toContain(
      `prober: cannot read Node ${NODE}: `,
    );
    expect(await prober.logged('no answer within 1000 ms')).toContain('no answer within 1000 ms');
  });

  it('a 403 names the RBAC to apply', async () => {
    const { api, kubeconfig } = await fakeApi();
    api.behaviour = {
      kind: 'status',
      code: 403,
      reason: 'Forbidden',
      message: `nodes "${NODE}" is forbidden: User "system:serviceaccount:ipfailover:ipfailover" cannot get resource "nodes"`,
    };
    const pod = await makePod();
    const prober = await maintenanceProber(pod, kubeconfig);
    await new Promise((resolved) => setTimeout(resolved, 1500));
    expect((await verdict(pod)).line).toBe('pass');
    expect(await prober.logged('403 Forbidden')).toContain(
      '403 Forbidden: nodes "worker-1.example.internal" is forbidden: User "system:serviceaccount:ipfailover:ipfailover" cannot get resource "nodes" (the ClusterRole and ClusterRoleBinding in deploy/maintenance-rbac.yaml grant get on nodes)',
    );
  });
});

describe('IPF_MAINTENANCE_FILE, for places without the API', () => {
  it('present is maintenance, absent is not; hostile files never block and count as maintenance', async () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'maintenance');
    const { pod } = await tcpCheckPod({ IPF_MAINTENANCE_FILE: path });
    expect((await verdict(pod)).line).toBe('pass');
    writeFileSync(path, '');
    expect((await verdict(pod)).line).toBe(`fail node in maintenance (file ${path})`);
    // The content is ignored: "false" in the file is still maintenance.
    writeFileSync(path, 'false\n');
    expect((await verdict(pod)).line).toBe(`fail node in maintenance (file ${path})`);
    rmSync(path);
    expect((await verdict(pod)).line).toBe('pass');

    const hostile: [string, () => void, string][] = [
      ['a FIFO', () => execFileSync('mkfifo', [path]), 'is a FIFO, not a regular file'],
      ['a directory', () => mkdirSync(path), 'is a directory, not a regular file'],
      [
        'a symlink to /dev/zero',
        () => symlinkSync('/dev/zero', path),
        'is a character device, not a regular file',
      ],
    ];
    for (const [, make, problem] of hostile) {
      make();
      const { line, ms } = await verdict(pod);
      expect(line).toBe(`fail node in maintenance (file ${path} ${problem}; IPF_MAINTENANCE_FILE)`);
      expect(ms).toBeLessThan(1000);
      rmSync(path, { recursive: true });
    }
    // A dangling symlink is no file there.
    symlinkSync(join(directory, 'nowhere'), path);
    expect((await verdict(pod)).line).toBe('pass');
  });
});

describe('settings', () => {
  it('IPF_MAINTENANCE_LABEL needs NODE_NAME and API access, and the max age twice the refresh', async () => {
    const stderr = await refusedAtStart({
      IPF_CHECKS: 'tcp-check',
      IPF_TCP_TARGETS: '127.0.0.1:1',
      IPF_MAINTENANCE_LABEL: 'true',
      IPF_MAINTENANCE_REFRESH_S: '5',
      IPF_MAINTENANCE_MAX_AGE_S: '9',
    });
    expect(stderr).toBe(
      [
        'prober: IPF_MAINTENANCE_MAX_AGE_S: expected at least twice IPF_MAINTENANCE_REFRESH_S (10): one late or failed read of the Node must not end a maintenance, got "9"',
        'prober: NODE_NAME: expected the node name from the downward API (fieldRef spec.nodeName), which IPF_MAINTENANCE_LABEL=true needs, got nothing',
        'prober: KUBERNETES_SERVICE_HOST: expected the value Kubernetes sets in every pod, or IPF_KUBECONFIG outside a cluster (IPF_MAINTENANCE_LABEL=true reads the Node), got nothing',
        '',
      ].join('\n'),
    );
  });
});
