// `npm run bench`: CPU and peak RSS per check invocation against `node -e 0` and the stock bash check.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, measure, report } from './measure.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const stateDir = mkdtempSync(join(tmpdir(), 'ipft-bench-'));
const server = createServer((_, response) => response.end('ok\n'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const env = { IPF_STATE_DIR: stateDir, IPF_LOG_TO: 'none' };

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
];

console.log(
  `ipfailover-toolkit check benchmark: ${rounds} rounds, medians; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
);
console.log(
  'Checks run as keepalived runs them: execve of the file (its #!/usr/bin/env node), no arguments.\n',
);
const figures = await measure(commands, rounds);
const met = report(figures, 'node -e 0', 'stock bash check', [
  { name: 'tcp-check', cpuRatio: 1.15, rssRatio: 1.25 },
  { name: 'http-check', cpuRatio: 1.35, rssRatio: 1.25 },
]);

const bundles = readdirSync('dist/checks').filter((name) => name.endsWith('.js'));
let total = 0;
console.log('\nbundle sizes (one ConfigMap holds at most 1 MiB):');
for (const bundle of bundles) {
  const size = statSync(join('dist/checks', bundle)).size;
  total += size;
  console.log(`  ${bundle.padEnd(22)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
}
const sizeMet = total < 700 * 1024;
console.log(
  `  ${'all checks'.padEnd(22)} ${(total / 1024).toFixed(1).padStart(8)} KiB  target < 700 KiB ${sizeMet ? 'met' : 'MISSED'}`,
);
console.log(`\n${met && sizeMet ? 'every target met' : 'some targets MISSED'}`);

server.close();
rmSync(stateDir, { recursive: true, force: true });
