// The built dist/checks/externalip-check.js, run as keepalived runs it: alone in a folder, execve of
// the file, no arguments, the environment only. (test/bundles.test.ts does the same for the checks
// that need no API; this one needs the fake API, so it has its own file.)
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubeApi, startFakeKubeApi, writeKubeconfig } from '../testkit/fake-kube-api.ts';
import { endpointSlice, service } from '../testkit/kube-objects.ts';
import { makePki } from '../testkit/pki.ts';
import { installAlone, runAsKeepalived, terminateMidRun } from './support/bundle.ts';
import { closedPort, isolatedEnv, readOutputs, suiteDirectory, tcpServer } from './support/harness.ts';

const TOKEN = 'sha256~bundle-test';

let api: FakeKubeApi;
let kubeconfig: string;

beforeAll(async () => {
  const directory = suiteDirectory();
  const pki = makePki(directory);
  api = await startFakeKubeApi({ cert: pki.good.cert, key: pki.good.key, token: TOKEN });
  kubeconfig = writeKubeconfig(join(directory, 'kubeconfig'), {
    cluster: { 'certificate-authority': pki.caFile, server: api.url },
    user: { token: TOKEN },
  });
});
afterAll(() => api.close());
beforeEach(() => {
  api.behaviour = { kind: 'normal' };
  api.requests.length = 0;
});

/** One Service on the VIP 127.0.0.1 whose port is `port`. */
function serveOne(port: number): void {
  const web = service({ name: 'web', externalIPs: ['127.0.0.1'], ports: [{ name: 'http', port }] });
  api.services = [web];
  api.slices = [endpointSlice(web, [true])];
}

const envFor = (extra: Record<string, string> = {}) =>
  isolatedEnv({ IPF_KUBECONFIG: kubeconfig, OPENSHIFT_HA_VIRTUAL_IPS: '127.0.0.1', ...extra });

describe('the built externalip-check', () => {
  it('passes, then passes again from its cache without asking the API', async () => {
    const { port } = await tcpServer((socket) => socket.end());
    serveOne(port);
    const env = envFor();
    const path = installAlone('externalip-check');
    expect(await runAsKeepalived(path, env)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(api.requests).toHaveLength(2);
    expect(await runAsKeepalived(path, env)).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(api.requests).toHaveLength(2);
    expect(readOutputs('externalip-check', env).record).toMatchObject({ ok: true, passing: true });
  });

  it('fails with one stderr line naming the Service port, the same line in IPF_LOG_TO, and a status record', async () => {
    const port = await closedPort();
    serveOne(port);
    const env = envFor();
    const result = await runAsKeepalived(installAlone('externalip-check'), env);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^externalip-check: FAIL 1 of 1 Service ports fail: web/web:${port}: TCP 127\\.0\\.0\\.1:${port} \\(external IP\\): connect ECONNREFUSED`,
        ),
      ),
    ]);
    const { record, log } = readOutputs('externalip-check', env);
    expect(log).toContain(lines[0]);
    expect(record).toMatchObject({
      check: 'externalip-check',
      ok: false,
      passing: false,
      consecutive_failures: 1,
    });
  });

  it('--validate exits 0 with the settings, or 1 naming IPF_EXTERNALIP_SELECTOR', async () => {
    const path = installAlone('externalip-check');
    const good = await runAsKeepalived(path, envFor(), ['--validate']);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('externalip-check: settings are valid; deadline 1700 ms');
    const bad = await runAsKeepalived(path, envFor({ IPF_EXTERNALIP_SELECTOR: 'app in web' }), [
      '--validate',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^externalip-check: IPF_EXTERNALIP_SELECTOR: expected a label selector/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(api.requests).toEqual([]);
  });

  it('exits 1 at once on SIGTERM while the API is slow', async () => {
    api.behaviour = { kind: 'slow', ms: 10_000 };
    const env = envFor({ OPENSHIFT_HA_CHECK_INTERVAL: '30' });
    const result = await terminateMidRun(installAlone('externalip-check'), env);
    expect(result.code).toBe(1);
    expect(result.exitedAfterMs).toBeLessThan(500);
    expect(result.stderr).toMatch(
      /^externalip-check: FAIL terminated by SIGTERM while waiting for the Kubernetes API https:\/\/127\.0\.0\.1:\d+: GET \/api\/v1\/services/,
    );
  });
});
