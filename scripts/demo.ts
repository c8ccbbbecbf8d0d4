// `npm run demo`: the built checks run as keepalived runs them, against a small app on loopback.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let health = 200;
const app = createServer((_, response) =>
  response.writeHead(health).end(health === 200 ? 'status: ready\n' : 'status: draining\n'),
);
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
const { port } = app.address() as { port: number };
const stateDir = mkdtempSync(join(tmpdir(), 'ipft-demo-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  IPF_STATE_DIR: stateDir,
  IPF_LOG_TO: 'none',
  IPF_HTTP_URL: `http://127.0.0.1:${port}/healthz`,
  IPF_HTTP_BODY_REGEX: 'ready',
  IPF_TCP_TARGETS: `127.0.0.1:${port}`,
};

/** keepalived's way: execve of the script, no arguments, the pod's environment. Async, so the app answers. */
async function run(check: string, extra: Record<string, string> = {}): Promise<void> {
  const child = spawn(`dist/checks/${check}.js`, [], { env: { ...env, ...extra } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const record = JSON.parse(readFileSync(join(stateDir, `check-${check}.json`), 'utf8')) as {
    duration_ms: number;
  };
  console.log(
    `  ${check.padEnd(10)} exit ${code}  ${record.duration_ms} ms  ${stderr.trim() || '(silent: pass)'}`,
  );
}

async function step(title: string, action: () => void, checks: [string, Record<string, string>?][]) {
  action();
  console.log(`\n${title}`);
  for (const [check, extra] of checks) await run(check, extra);
}

console.log(`Building the checks…`);
spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
console.log(`Demo app on http://127.0.0.1:${port}/healthz; state in ${stateDir}`);
await step('1. The app is healthy: both checks exit 0 and say nothing.', () => {}, [
  ['http-check'],
  ['tcp-check'],
]);
await step(
  '2. The app answers 503: the HTTP check fails with a reason; TCP still connects.',
  () => (health = 503),
  [['http-check'], ['tcp-check']],
);
await step('3. With IPF_CHECK_FALL=3 the first two failures in a row still exit 0; the third exits 1.', () => {}, [
  ['http-check', { IPF_CHECK_FALL: '3', IPF_STATE_DIR: join(stateDir, 'fall3') }],
  ['http-check', { IPF_CHECK_FALL: '3', IPF_STATE_DIR: join(stateDir, 'fall3') }],
  ['http-check', { IPF_CHECK_FALL: '3', IPF_STATE_DIR: join(stateDir, 'fall3') }],
]);
await step('4. The app is gone: both fail, each naming what failed.', () => app.close(), [
  ['http-check'],
  ['tcp-check'],
]);
console.log('\n5. A typo in a setting: --validate names it and suggests the real one.');
const validate = spawnSync('dist/checks/http-check.js', ['--validate'], {
  env: { ...env, IPF_HTTP_STAUTS: '200' },
  encoding: 'utf8',
});
console.log(`  exit ${validate.status}  ${validate.stderr.trim()}`);
rmSync(stateDir, { recursive: true, force: true });
