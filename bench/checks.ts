// `npm run bench`: CPU and peak RSS per check invocation against `node -e 0` and the stock bash check.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kib } from '../core/units.ts';
import { buildSizes, CHECK_BUNDLES_TARGET_BYTES } from '../testkit/build-sizes.ts';
import { startFakeKubeApi, writeKubeconfig } from '../testkit/fake-kube-api.ts';
import { endpointSlice, service } from '../testkit/kube-objects.ts';
import { makePki } from '../testkit/pki.ts';
import { type Command, measure, report } from './measure.ts';
import { targetRecorder } from './targets.ts';

const target = targetRecorder('checks');

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const stateDir = mkdtempSync(join(tmpdir(), 'ipft-bench-'));
const server = createServer((_, response) => response.end('ok\n'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const env = { IPF_STATE_DIR: stateDir, IPF_LOG_TO: 'none' };

// externalip-check: a local Kubernetes API over TLS, and a real listener for every Service port, node
// port and health check node port, as on a node. Warm: 10 Services (2 of them Local, asked on their
// healthCheckNodePort) from the cache. Cold: 200 Services, asked from the API at every run.
const pki = makePki(mkdtempSync(join(tmpdir(), 'ipft-bench-pki-')));
const kubeApi = await startFakeKubeApi({ cert: pki.good.cert, key: pki.good.key, token: 'bench' });
const kubeconfig = writeKubeconfig(join(stateDir, 'kubeconfig'), {
  cluster: { 'certificate-authority': pki.caFile, server: kubeApi.url },
  user: { token: 'bench' },
});
const listeners: { close(): void }[] = [];
async function listener(): Promise<number> {
  const listening = createTcpServer((socket) => socket.end());
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  listeners.push(listening);
  return (listening.address() as { port: number }).port;
}
async function healthListener(): Promise<number> {
  const listening = createServer((_, response) => response.end('{"localEndpoints":1}'));
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  listeners.push(listening);
  return (listening.address() as { port: number }).port;
}
async function clusterOf(count: number, local: number) {
  const services = [];
  for (let index = 0; index < count; index++) {
    const isLocal = index < local;
    services.push(
      service({
        name: `app-${index}`,
        ...(isLocal
          ? { loadBalancerIPs: ['127.0.0.1'], healthCheckNodePort: await healthListener() }
          : { externalIPs: ['127.0.0.1'] }),
        ports: [
          {
            name: 'http',
            port: await listener(),
            ...(index % 2 === 0 ? { nodePort: await listener() } : {}),
          },
        ],
      }),
    );
  }
  return { services, slices: services.map((item) => endpointSlice(item, [true, true, false])) };
}
const externalIpEnv = (name: string, cacheSeconds: string, staleSeconds = '300') => ({
  IPF_STATE_DIR: join(stateDir, name),
  IPF_LOG_TO: 'none',
  IPF_KUBECONFIG: kubeconfig,
  OPENSHIFT_HA_VIRTUAL_IPS: '127.0.0.1',
  IPF_EXTERNALIP_NODE_IP: '127.0.0.1',
  IPF_EXTERNALIP_CACHE_S: cacheSeconds,
  IPF_EXTERNALIP_STALE_S: staleSeconds,
});
const warm = await clusterOf(10, 2);
kubeApi.services = warm.services;
kubeApi.slices = warm.slices;
const warmEnv = externalIpEnv('externalip-warm', '3600', '3600');
// One run fills the cache that every measured run then uses (asynchronously: the API is this process).
await promisify(execFile)('dist/checks/externalip-check.js', { env: { ...process.env, ...warmEnv } });
const cold = await clusterOf(200, 10);
kubeApi.services = cold.services;
kubeApi.slices = cold.slices;

const commands: Command[] = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  {
    name: 'node:net connect',
    argv: [
      process.execPath,
      '-e',
      `require('net').connect(${port}, '127.0.0.1', function () { this.destroy() })`,
    ],
  },
  { name: 'stock bash check', argv: ['/bin/bash', '-c', `</dev/tcp/127.0.0.1/${port}`] },
  {
    name: 'tcp-check',
    argv: ['dist/checks/tcp-check.js'],
    env: { ...env, IPF_TCP_TARGETS: `127.0.0.1:${port}` },
  },
  {
    name: 'undici floor',
    argv: [process.execPath, 'dist/bench/undici-floor.js'],
    env: { FLOOR_URL: `http://127.0.0.1:${port}/` },
  },
  {
    name: 'http-check',
    argv: ['dist/checks/http-check.js'],
    env: { ...env, IPF_HTTP_URL: `http://127.0.0.1:${port}/` },
  },
  { name: 'externalip warm, 10', argv: ['dist/checks/externalip-check.js'], env: warmEnv },
  {
    name: 'externalip cold, 200',
    argv: ['dist/checks/externalip-check.js'],
    env: externalIpEnv('externalip-cold', '0'),
  },
];

console.log(
  `ipfailover-toolkit check benchmark: ${rounds} rounds, medians; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
);
console.log(
  'Checks run as keepalived runs them: execve of the file (its #!/usr/bin/env node), no arguments.\n',
);
const figures = await measure(commands, rounds);
report(
  figures,
  'node -e 0',
  'stock bash check',
  [
    { name: 'tcp-check', cpuRatio: 1.15, rssRatio: 1.25 },
    { name: 'http-check', cpuRatio: 1.35, rssRatio: 1.25 },
    { name: 'externalip warm, 10', cpuRatio: 1.35 },
    { name: 'externalip cold, 200', cpuRatio: 2 },
  ],
  target,
);

// The one-shot check bundles, which go into the keepalived container's ConfigMap in one-shot mode; the
// prober has a ConfigMap of its own. The same figures as the README's (testkit/build-sizes.ts).
const sizes = buildSizes('dist');
console.log('\nbundle sizes (one ConfigMap holds at most 1 MiB):');
for (const { name, bytes } of sizes.checks)
  console.log(`  ${`${name}.js`.padEnd(22)} ${kib(bytes).padStart(12)}`);
const sizeTarget = `all checks < ${CHECK_BUNDLES_TARGET_BYTES / 1024} KiB`;
console.log(
  `  ${'all checks'.padEnd(22)} ${kib(sizes.allChecks).padStart(12)}  target < ${CHECK_BUNDLES_TARGET_BYTES / 1024} KiB ${target(sizeTarget, sizes.allChecks < CHECK_BUNDLES_TARGET_BYTES)}`,
);

server.close();
for (const listening of listeners) listening.close();
await kubeApi.close();
rmSync(stateDir, { recursive: true, force: true });
rmSync(pki.dir, { recursive: true, force: true });
