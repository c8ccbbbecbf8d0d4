// The built dist/checks/externalip-check.js against the files it reads being hostile: a
// FIFO (the open would block), a symlink to /dev/zero (the read would never end), a file far too large,
// garbage. Run as keepalived runs it, alone in a folder, against a fake API over real TLS on loopback.
// A kubeconfig, token or CA that cannot be used fails the run with one line naming the file and the
// problem, inside the deadline; a Service cache that cannot be used is no cache, and the API is asked.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNT_DIR } from '../checks/externalip/access.ts';
import { CACHE_FILE } from '../checks/externalip/cache.ts';
import type { Env } from '../core/settings.ts';
import { type FakeKubeApi, kubeconfigText, startFakeKubeApi } from '../testkit/fake-kube-api.ts';
import { endpointSlice, service } from '../testkit/kube-objects.ts';
import { makePki, type Pki } from '../testkit/pki.ts';
import { type Exit, installAlone, runAsKeepalived } from './support/bundle.ts';
import {
  isolatedEnv,
  readOutputs,
  suiteDirectory,
  tcpServer,
  temporaryDirectory,
} from './support/harness.ts';

const TOKEN = 'sha256~hostile-files-test';
const DEADLINE_MS = 1000;
/** Spawning node and loading the bundle, before the deadline (which counts from process start) begins. */
const START_SLACK_MS = 500;
/** A run still going after this has hung: it is killed, so that the test fails rather than the suite hanging. */
const HUNG_MS = 5000;
/**
 * The data memory each run gets (RLIMIT_DATA, `ulimit -d`). The check needs some 100 MiB; a regression
 * that reads /dev/zero to the end then dies at this size instead of taking the machine's memory. Not
 * `ulimit -v`: undici's WebAssembly reserves far more address space than it uses, and RLIMIT_DATA does
 * not count such reservations.
 */
const DATA_LIMIT_KIB = 1024 * 1024;

const KUBECONFIG_MAX_BYTES = 1024 * 1024;
const TOKEN_MAX_BYTES = 64 * 1024;
const PEM_MAX_BYTES = 1024 * 1024;
const CACHE_MAX_BYTES = 16 * 1024 * 1024;

let pki: Pki;
let api: FakeKubeApi;

beforeAll(async () => {
  pki = makePki(suiteDirectory());
  api = await startFakeKubeApi({
    cert: pki.good.cert,
    key: pki.good.key,
    token: TOKEN,
    clientCa: readFileSync(pki.caFile),
  });
});
afterAll(() => api.close());
beforeEach(async () => {
  api.behaviour = { kind: 'normal' };
  api.requests.length = 0;
  // One healthy Service on the VIP 127.0.0.1: a run that gets its Service list passes.
  const { port } = await tcpServer((socket) => socket.end());
  const web = service({ name: 'web', externalIPs: ['127.0.0.1'], ports: [{ name: 'http', port }] });
  api.services = [web];
  api.slices = [endpointSlice(web, [true])];
});

const fifo = (path: string): string => {
  execFileSync('mkfifo', [path]);
  return path;
};
const toDevZero = (path: string): string => {
  symlinkSync('/dev/zero', path);
  return path;
};
/** A sparse file of `bytes`: too large, without writing it. */
const sized = (path: string, bytes: number): string => {
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
};

/** An executable next to the bundle that caps its memory, then becomes the bundle (the same pid). */
function wrapper(bundle: string, exec: string): string {
  const path = join(dirname(bundle), 'run-check');
  writeFileSync(path, `#!/bin/sh\nulimit -d ${DATA_LIMIT_KIB}\n${exec}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Runs the bundle as keepalived does; killed at HUNG_MS if it hangs. */
async function runGuarded(path: string, env: Env): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const result = await runAsKeepalived(path, env, [], (pid) => {
    timer = setTimeout(() => process.kill(pid, 'SIGKILL'), HUNG_MS);
  });
  clearTimeout(timer);
  return result;
}

function runBundle(env: Env): Promise<Exit> {
  const bundle = installAlone('externalip-check');
  return runGuarded(wrapper(bundle, `exec ${JSON.stringify(bundle)}`), env);
}

/**
 * Runs the bundle as it runs in a pod, with `accountDir` mounted at the service account's path: in a
 * private mount namespace, a tmpfs over /var/run and a bind mount; nothing is mounted on the machine.
 */
function runInPod(accountDir: string, env: Env): Promise<Exit> {
  expect(SERVICE_ACCOUNT_DIR.startsWith('/var/run/')).toBe(true);
  const bundle = installAlone('externalip-check');
  const inside = [
    'mount -t tmpfs tmpfs /var/run',
    `mkdir -p ${SERVICE_ACCOUNT_DIR}`,
    `mount --bind "$1" ${SERVICE_ACCOUNT_DIR}`,
    'exec "$2"',
  ].join(' && ');
  const exec = `exec unshare --mount --propagation private /bin/sh -c '${inside}' sh ${JSON.stringify(accountDir)} ${JSON.stringify(bundle)}`;
  return runGuarded(wrapper(bundle, exec), env);
}

type CheckEnv = ReturnType<typeof isolatedEnv>;

const baseEnv = (extra: Env): CheckEnv =>
  isolatedEnv({
    OPENSHIFT_HA_VIRTUAL_IPS: '127.0.0.1',
    IPF_EXTERNALIP_NODE_IP: '127.0.0.1',
    IPF_CHECK_TIMEOUT_MS: String(DEADLINE_MS),
    ...extra,
  });

/** A kubeconfig in its own folder, trusting the test CA unless `cluster` says otherwise. */
function kubeconfigWith(
  parts: { cluster?: Record<string, unknown>; user?: Record<string, unknown> },
  directory = temporaryDirectory(),
): string {
  const path = join(directory, 'config');
  writeFileSync(
    path,
    kubeconfigText({
      cluster: { server: api.url, 'certificate-authority': pki.caFile, ...parts.cluster },
      user: parts.user ?? { token: TOKEN },
    }),
  );
  return path;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Exit 1 inside the deadline, exactly one stderr line matching `reason`, the same line logged. */
function expectOneLineFailure(result: Exit, env: CheckEnv, reason: RegExp): string {
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^externalip-check: FAIL [^\n]+\n$/);
  const line = result.stderr.trimEnd();
  expect(line).toMatch(reason);
  expect(result.code).toBe(1);
  expect(result.elapsedMs).toBeLessThan(DEADLINE_MS + START_SLACK_MS);
  const { record, log } = readOutputs('externalip-check', env);
  expect(log).toContain(line);
  expect(record).toMatchObject({ check: 'externalip-check', ok: false, passing: false });
  return line;
}

describe('IPF_KUBECONFIG itself that is not a usable file', () => {
  const kubeconfigLine = (path: string, problem: string) =>
    new RegExp(`^externalip-check: FAIL IPF_KUBECONFIG: expected .*${escapeRegExp(`${path} ${problem}`)}`);

  it.each([
    ['/dev/zero', () => '/dev/zero', 'is a character device, not a regular file'],
    [
      'a symlink to /dev/zero',
      () => toDevZero(join(temporaryDirectory(), 'config')),
      'is a character device, not a regular file',
    ],
    [
      'a FIFO with no writer',
      () => fifo(join(temporaryDirectory(), 'config')),
      'is a FIFO, not a regular file',
    ],
    ['a directory', () => temporaryDirectory(), 'is a directory, not a regular file'],
    [
      'larger than 1 MiB',
      () => sized(join(temporaryDirectory(), 'config'), KUBECONFIG_MAX_BYTES + 1),
      `is larger than ${KUBECONFIG_MAX_BYTES} bytes`,
    ],
  ])('%s: one line naming IPF_KUBECONFIG and the file', async (_, make, problem) => {
    const path = make();
    const env = baseEnv({ IPF_KUBECONFIG: path });
    expectOneLineFailure(await runBundle(env), env, kubeconfigLine(path, problem));
    expect(api.requests).toEqual([]);
  });

  it('says JSON is what it reads, and how to write it', async () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'config');
    writeFileSync(path, 'apiVersion: v1\nkind: Config\n');
    const env = baseEnv({ IPF_KUBECONFIG: path });
    const line = expectOneLineFailure(
      await runBundle(env),
      env,
      /^externalip-check: FAIL IPF_KUBECONFIG: expected a kubeconfig in JSON.*oc config view --minify --flatten --raw -o json/,
    );
    expect(line).not.toMatch(/YAML as kubectl writes it/);
  });

  it.each([
    ['random bytes', Buffer.from([0x00, 0xff, 0x0a, 0x1b, 0x7b, 0x00, 0x0a, 0x22])],
    ['JSON broken next to its token', Buffer.from(`{"users": [{"user": {"token": ${TOKEN}\n}}]}`)],
    ['JSON that stops inside its token', Buffer.from(`{"users": [{"user": {"token": "${TOKEN}`)],
  ])('%s: one line that shows neither the text nor the token', async (_, contents) => {
    const path = join(temporaryDirectory(), 'config');
    writeFileSync(path, contents);
    const env = baseEnv({ IPF_KUBECONFIG: path });
    const line = expectOneLineFailure(
      await runBundle(env),
      env,
      new RegExp(
        `^externalip-check: FAIL IPF_KUBECONFIG: expected .*${escapeRegExp(path)}.*not valid JSON: `,
      ),
    );
    expect(line).not.toMatch(/sha256~|hostile/);
    // No control character of the text got through (the line itself ends at the first newline).
    expect([...line].filter((character) => character < ' ' || character === '\x7f')).toEqual([]);
  });
});

describe('files a kubeconfig names that are not usable', () => {
  type Field = 'certificate-authority' | 'tokenFile' | 'client-certificate' | 'client-key';
  /** The kubeconfig for `field` naming `path`; the other files are good. */
  function naming(field: Field, path: string, directory: string): string {
    switch (field) {
      case 'certificate-authority':
        return kubeconfigWith({ cluster: { 'certificate-authority': path } }, directory);
      case 'tokenFile':
        return kubeconfigWith({ user: { tokenFile: path } }, directory);
      case 'client-certificate':
        return kubeconfigWith(
          { user: { 'client-certificate': path, 'client-key': pki.client.keyFile } },
          directory,
        );
      case 'client-key':
        return kubeconfigWith(
          { user: { 'client-certificate': pki.client.certFile, 'client-key': path } },
          directory,
        );
    }
  }

  const cases: [Field, string, (path: string) => string, string][] = [
    ['certificate-authority', 'a FIFO', fifo, 'is a FIFO, not a regular file'],
    [
      'certificate-authority',
      'a symlink to /dev/zero',
      toDevZero,
      'is a character device, not a regular file',
    ],
    [
      'certificate-authority',
      'larger than 1 MiB',
      (path) => sized(path, PEM_MAX_BYTES + 1),
      `is larger than ${PEM_MAX_BYTES} bytes`,
    ],
    ['tokenFile', 'a FIFO', fifo, 'is a FIFO, not a regular file'],
    ['tokenFile', 'a symlink to /dev/zero', toDevZero, 'is a character device, not a regular file'],
    [
      'tokenFile',
      'larger than 64 KiB',
      (path) => sized(path, TOKEN_MAX_BYTES + 1),
      `is larger than ${TOKEN_MAX_BYTES} bytes`,
    ],
    [
      'tokenFile',
      'garbage',
      (path) => {
        writeFileSync(path, Buffer.from([0x73, 0x68, 0x00, 0xff, 0x0a, 0x41]));
        return path;
      },
      'holds characters a bearer token cannot have (expected visible ASCII only; the token is not shown)',
    ],
    ['client-certificate', 'a symlink to /dev/zero', toDevZero, 'is a character device, not a regular file'],
    ['client-key', 'a FIFO', fifo, 'is a FIFO, not a regular file'],
  ];

  it.each(cases)(
    '%s %s: one line naming IPF_KUBECONFIG, the field and the file',
    async (field, _, make, problem) => {
      const directory = temporaryDirectory();
      const path = make(join(directory, 'named-file'));
      const kubeconfig = naming(field, path, directory);
      const env = baseEnv({ IPF_KUBECONFIG: kubeconfig });
      expectOneLineFailure(
        await runBundle(env),
        env,
        new RegExp(
          `^externalip-check: FAIL IPF_KUBECONFIG: expected .*, got ${escapeRegExp(JSON.stringify(kubeconfig))} \\(${escapeRegExp(`${field} ${path} ${problem}`)}\\)$`,
        ),
      );
      expect(api.requests).toEqual([]);
    },
  );

  it('the same kubeconfig with good files passes: the failures above are the files', async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'token'), `${TOKEN}\n`);
    for (const kubeconfig of [
      naming('tokenFile', join(directory, 'token'), directory),
      naming('client-key', pki.client.keyFile, directory),
    ]) {
      const result = await runBundle(baseEnv({ IPF_KUBECONFIG: kubeconfig }));
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
  });
});

describe('the in-cluster service account token and CA that are not usable', () => {
  /** As the kubelet mounts a projected volume: each name a symlink into `..data`. */
  function accountDir(token: (path: string) => string, ca: (path: string) => string): string {
    const directory = temporaryDirectory();
    const data = join(directory, '..data');
    mkdirSync(data);
    token(join(data, 'token'));
    ca(join(data, 'ca.crt'));
    writeFileSync(join(data, 'namespace'), 'openshift-ipfailover');
    for (const name of ['token', 'ca.crt', 'namespace'])
      symlinkSync(join('..data', name), join(directory, name));
    return directory;
  }
  const goodToken = (path: string) => {
    writeFileSync(path, TOKEN);
    return path;
  };
  const goodCa = (path: string) => {
    writeFileSync(path, readFileSync(pki.caFile));
    return path;
  };
  const inClusterEnv = () =>
    baseEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) });

  it('good files pass: the pod is emulated faithfully', async () => {
    const result = await runInPod(accountDir(goodToken, goodCa), inClusterEnv());
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(api.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  const token = `the service account token ${SERVICE_ACCOUNT_DIR}/token`;
  const ca = `the service account CA ${SERVICE_ACCOUNT_DIR}/ca.crt`;
  const cases: [string, (path: string) => string, (path: string) => string, string][] = [
    ['a token that is a FIFO', fifo, goodCa, `${token} is a FIFO, not a regular file`],
    ['a token that is /dev/zero', toDevZero, goodCa, `${token} is a character device, not a regular file`],
    [
      'a token larger than 64 KiB',
      (path) => sized(path, TOKEN_MAX_BYTES + 1),
      goodCa,
      `${token} is larger than ${TOKEN_MAX_BYTES} bytes`,
    ],
    [
      'a token of garbage',
      (path) => {
        writeFileSync(path, Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]));
        return path;
      },
      goodCa,
      `${token} holds characters a bearer token cannot have (expected visible ASCII only; the token is not shown)`,
    ],
    ['a CA that is a FIFO', goodToken, fifo, `${ca} is a FIFO, not a regular file`],
    ['a CA that is /dev/zero', goodToken, toDevZero, `${ca} is a character device, not a regular file`],
    [
      'a CA larger than 1 MiB',
      goodToken,
      (path) => sized(path, PEM_MAX_BYTES + 1),
      `${ca} is larger than ${PEM_MAX_BYTES} bytes`,
    ],
  ];

  it.each(cases)('%s: one line naming the service account file', async (_, makeToken, makeCa, problem) => {
    const env = inClusterEnv();
    expectOneLineFailure(
      await runInPod(accountDir(makeToken, makeCa), env),
      env,
      new RegExp(`^externalip-check: FAIL service account: expected .*, got ${escapeRegExp(problem)}$`),
    );
    expect(api.requests).toEqual([]);
  });
});

describe('a Service cache that is not usable is no cache: the API is asked, and nothing hangs', () => {
  let kubeconfig: string;
  beforeAll(() => {
    kubeconfig = kubeconfigWith({}, suiteDirectory());
  });
  const cacheOf = (env: CheckEnv) => join(env.IPF_STATE_DIR, CACHE_FILE);
  const envWithState = () => {
    const env = baseEnv({ IPF_KUBECONFIG: kubeconfig });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    return env;
  };

  it.each([
    ['a FIFO with no writer', fifo],
    ['a symlink to /dev/zero', toDevZero],
  ])('%s: passes from the API, inside the deadline, and a real cache replaces it', async (_, make) => {
    const env = envWithState();
    make(cacheOf(env));
    const result = await runBundle(env);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(result.elapsedMs).toBeLessThan(DEADLINE_MS + START_SLACK_MS);
    expect(api.requests).toHaveLength(2);
    expect(lstatSync(cacheOf(env)).isFile()).toBe(true);
    // The next run is served from that cache.
    expect((await runBundle(env)).code).toBe(0);
    expect(api.requests).toHaveLength(2);
  });

  it('a FIFO while the API is down: fails closed with one line, inside the deadline', async () => {
    const env = envWithState();
    fifo(cacheOf(env));
    api.behaviour = { kind: 'status', code: 500, reason: 'InternalError', message: 'etcd is down' };
    expectOneLineFailure(
      await runBundle(env),
      env,
      /: 500 Internal Server Error: etcd is down; no cached Service list: failing closed$/,
    );
  });

  it('a fresh, valid list larger than 16 MiB is not read: the API is asked', async () => {
    const env = envWithState();
    expect((await runBundle(env)).code).toBe(0);
    expect(api.requests).toHaveLength(2);
    // Still valid JSON for this key, and fresh: only its size keeps it from being used.
    const list = readFileSync(cacheOf(env), 'utf8');
    writeFileSync(cacheOf(env), list + ' '.repeat(CACHE_MAX_BYTES));
    expect(statSync(cacheOf(env)).size).toBeGreaterThan(CACHE_MAX_BYTES);
    const result = await runBundle(env);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(api.requests).toHaveLength(4);
    expect(statSync(cacheOf(env)).size).toBe(list.length);
  });
});
