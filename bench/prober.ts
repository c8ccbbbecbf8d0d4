// `npm run bench` (prober mode): verdict.sh against the stock bash check, in the same run; the
// prober's CPU per probe and steady RSS; and the CPU per second of operation of each way to check.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ring } from '../testkit/prober-client.ts';
import { median } from '../testkit/statistics.ts';
import { type Command, measure } from './measure.ts';
import { targetRecorder } from './targets.ts';

const target = targetRecorder('prober');

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const probes = Number(process.env.BENCH_PROBES ?? 2000);
const stateDir = mkdtempSync(join(tmpdir(), 'ipft-bench-prober-'));
const podUid = '0b1c2d3e-1111-2222-3333-444455556666';

const app = createServer((_, response) => response.end('ok\n'));
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
const appPort = (app.address() as { port: number }).port;
const proberPort = await new Promise<number>((resolve) => {
  const probe = createTcpServer();
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});

const prober: ChildProcess = spawn(process.execPath, ['--max-old-space-size=64', 'dist/checks/prober.js'], {
  env: {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    IPF_STATE_DIR: stateDir,
    IPF_LOG_TO: 'none',
    IPF_CHECKS: 'tcp-check,http-check',
    IPF_POD_UID: podUid,
    IPF_PROBER_PORT: String(proberPort),
    // Every request probes: the cost per probe, not per shared result.
    IPF_PROBER_MIN_GAP_MS: '0',
    IPF_TCP_TARGETS: `127.0.0.1:${appPort}`,
    IPF_HTTP_URL: `http://127.0.0.1:${appPort}/`,
  },
  stdio: 'ignore',
});
const pid = prober.pid ?? 0;

/** One request line, answered; resolves with the reply. */
const ask = (line: string) => ring(proberPort, line);

for (let attempt = 0; ; attempt++) {
  try {
    if ((await ask(`ipft2 ${podUid} tcp-check 1 1000\n`)) === 'ready 1\n') break;
  } catch {
    if (attempt > 100) throw new Error('the prober did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** CPU seconds of a process so far, from /proc (utime + stime, in clock ticks of 10 ms). */
function cpuSeconds(processId: number): number {
  const fields = readFileSync(`/proc/${processId}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const rssMiB = (processId: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${processId}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const verdictEnv = {
  IPF_STATE_DIR: stateDir,
  IPF_LOG_TO: 'none',
  IPF_POD_UID: podUid,
  IPF_PROBER_PORT: String(proberPort),
  OPENSHIFT_HA_CHECK_INTERVAL: '2',
};
const commands: Command[] = [
  { name: 'stock bash check', argv: ['/bin/bash', '-c', `</dev/tcp/127.0.0.1/${appPort}`] },
  { name: 'verdict.sh tcp-check', argv: ['dist/checks/verdict.sh', 'tcp-check'], env: verdictEnv },
  { name: 'verdict.sh http-check', argv: ['dist/checks/verdict.sh', 'http-check'], env: verdictEnv },
  {
    name: 'one-shot http-check',
    argv: ['dist/checks/http-check.js'],
    env: { IPF_STATE_DIR: stateDir, IPF_LOG_TO: 'none', IPF_HTTP_URL: `http://127.0.0.1:${appPort}/` },
  },
];

console.log(
  `ipfailover-toolkit prober benchmark: ${rounds} rounds, medians; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}\n`,
);
const figures = await measure(commands, rounds);
const cpu = (name: string) => figures.get(name)?.cpuMs ?? Number.NaN;
const stock = cpu('stock bash check');

/**
 * Peak memory of one run from its own memory cgroup (v2 memory.peak, v1 memory.max_usage_in_bytes):
 * wait4 from a parent counts the parent's pages copied at fork, which made bash look like 11 MiB.
 */
function peakMemoryKiB(command: Command): number | undefined {
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const root = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  if (!existsSync(root)) return undefined;
  const peaks: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const group = join(root, `ipft-bench-${process.pid}-${round}`);
    try {
      mkdirSync(group);
    } catch {
      return undefined;
    }
    spawnSync('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', group, ...command.argv], {
      env: { ...process.env, ...command.env },
      stdio: 'ignore',
    });
    peaks.push(
      Number(readFileSync(join(group, v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'), 'utf8')) / 1024,
    );
    rmdirSync(group);
  }
  return median(peaks);
}

console.log(
  `${'command'.padEnd(24)} ${'CPU ms'.padStart(8)} ${'× stock'.padStart(8)} ${'peak KiB'.padStart(9)}  target`,
);
for (const command of commands) {
  const ratio = cpu(command.name) / stock;
  const verdict = command.name.startsWith('verdict.sh')
    ? `CPU ≤ 1.3× ${target(`${command.name} CPU ≤ 1.3× stock`, ratio <= 1.3)}`
    : '';
  const peak = command.name === 'one-shot http-check' ? undefined : peakMemoryKiB(command);
  console.log(
    `${command.name.padEnd(24)} ${cpu(command.name).toFixed(2).padStart(8)} ${ratio.toFixed(2).padStart(8)} ${(peak === undefined ? '-' : peak.toFixed(0)).padStart(9)}  ${verdict}`,
  );
}

// The prober's own cost: CPU per probe from /proc over many sequential requests, steady RSS after.
// Idle: after a pause for what the rounds above left running (GC, compilation), over 20 s, since /proc
// counts in 10 ms ticks.
await new Promise((resolve) => setTimeout(resolve, 3000));
const idleFrom = cpuSeconds(pid);
await new Promise((resolve) => setTimeout(resolve, 20_000));
const idlePerSecondMs = ((cpuSeconds(pid) - idleFrom) / 20) * 1000;
const perProbeMs: Record<string, number> = {};
let nonce = 2;
for (const check of ['tcp-check', 'http-check']) {
  const from = cpuSeconds(pid);
  for (let index = 0; index < probes; index++) {
    nonce += 1;
    const reply = await ask(`ipft2 ${podUid} ${check} ${nonce} 1900\n`);
    if (reply !== `ready ${nonce}\n`) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  }
  perProbeMs[check] = ((cpuSeconds(pid) - from) / probes) * 1000;
}
console.log(
  `\nprober: ${perProbeMs['tcp-check']?.toFixed(2)} ms CPU per tcp-check probe, ${perProbeMs['http-check']?.toFixed(2)} ms per http-check probe (${probes} each, a fresh connection each); idle ${idlePerSecondMs.toFixed(2)} ms CPU per second (the heartbeat); RSS ${rssMiB(pid).toFixed(1)} MiB after ${2 * probes} probes`,
);

// CPU per second of operation on one node, the prober included.
const verdictHttp = cpu('verdict.sh http-check');
const probeHttp = perProbeMs['http-check'] ?? Number.NaN;
const rows = [
  { name: 'stock bash check at 2 s', perSecond: stock / 2 },
  { name: 'one-shot http-check at 2 s', perSecond: cpu('one-shot http-check') / 2 },
  { name: 'prober http-check at 2 s', perSecond: (verdictHttp + probeHttp) / 2 + idlePerSecondMs },
  { name: 'prober http-check at 1 s', perSecond: verdictHttp + probeHttp + idlePerSecondMs },
];
const stockPerSecond = rows[0]?.perSecond ?? Number.NaN;
console.log(
  `\n${'CPU per second of operation'.padEnd(30)} ${'ms/s'.padStart(7)} ${'× stock'.padStart(8)}  target`,
);
for (const row of rows) {
  const ratio = row.perSecond / stockPerSecond;
  const verdict =
    row.name === 'prober http-check at 1 s' ? `≤ 3× ${target(`${row.name} ≤ 3× stock`, ratio <= 3)}` : '';
  console.log(
    `${row.name.padEnd(30)} ${row.perSecond.toFixed(2).padStart(7)} ${ratio.toFixed(2).padStart(8)}  ${verdict}`,
  );
}

prober.kill('SIGKILL');
app.close();
rmSync(stateDir, { recursive: true, force: true });
