// verdict.sh, keepalived's check in prober mode, run as keepalived runs it (env -i, execve of the built
// script) against the real prober process and squatters on loopback, with a real state directory. Every outcome but a whole, matching pass exits 1 before the interval.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshStreaks, nextStreak, type Streak } from '../core/hysteresis.ts';
import { isStatusRecord } from '../core/report.ts';
import { belongsInSettingsFile, isSettingName, SETTING_READERS } from '../core/setting-names.ts';
import type { Env } from '../core/settings.ts';
import { inlineIncludes } from '../scripts/shell-includes.mjs';
import type { Exit } from './support/bundle.ts';
import { onCleanup, tcpServer, temporaryDirectory } from './support/harness.ts';
import { HYSTERESIS_CASES, STREAK_RECORD_CASES } from './support/hysteresis-cases.ts';
import {
  lines,
  makePod,
  minimalPath,
  type Pod,
  readText,
  runVerdict,
  STAMP,
  switchableTcpTarget,
  tcpCheckPod,
  tcpCheckProber,
  verdictEnv,
  verdictScript,
} from './support/prober.ts';

const streakOf = (pod: Pod) => readText(join(pod.stateDir, 'verdict.streak'));
const recordPath = (pod: Pod) => join(pod.stateDir, 'check-verdict.json');

/** check-verdict.json: valid JSON, in the checks' record format (what the exporter reads). */
function verdictRecord(pod: Pod): Record<string, unknown> {
  const text = readFileSync(recordPath(pod), 'utf8');
  const record: unknown = JSON.parse(text);
  expect(isStatusRecord(record)).toBe(true);
  return record as Record<string, unknown>;
}

interface Run extends Exit {
  /** The lines this run appended to IPF_LOG_TO, time stamps removed. */
  logged: string[];
}

/** One verdict.sh run; `logged` is what it added to IPF_LOG_TO, each line checked for its time stamp. */
async function verdict(pod: Pod, extra: Env = {}, args: string[] = ['tcp-check']): Promise<Run> {
  const before = lines(readText(pod.verdictLog) ?? '').length;
  const result = await runVerdict(verdictEnv(pod, extra), args);
  const added = lines(readText(pod.verdictLog) ?? '').slice(before);
  for (const line of added) expect(line).toMatch(STAMP);
  return { ...result, logged: added.map((line) => line.replace(STAMP, '')) };
}

/** A pod whose prober answered one passing run with `extra`, and was then SIGKILLed; its target stays up. */
async function passedThenProberKilled(extra: Env) {
  const { pod, target, prober } = await tcpCheckPod();
  expect((await verdict(pod, extra)).code).toBe(0);
  prober.child.kill('SIGKILL');
  expect((await prober.exited).signal).toBe('SIGKILL');
  return { pod, target };
}

/** Exit 1 with exactly one reason line, on stderr and in IPF_LOG_TO, before keepalived's timeout. */
function expectFailure(run: Run, reason: string | RegExp, intervalMs = 1000): string {
  expect(run.code).toBe(1);
  const stderr = lines(run.stderr);
  expect(stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(typeof reason === 'string' ? exact(`verdict.sh: FAIL ${reason}`) : reason);
  expect(run.logged).toEqual(stderr);
  expect(run.stdout).toBe('');
  expect(run.elapsedMs).toBeLessThan(intervalMs);
  return stderr[0] ?? '';
}

const exact = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

const downReason = (port: number) =>
  `tcp-check: 127.0.0.1:${port}: closed before /^up/ matched; received "down\\n"`;

/**
 * Something else on the port: it reads the request line and then does whatever `act` does. It never
 * is the pod's prober, so whatever it does, the run must fail.
 */
async function squatter(
  act: (socket: Socket, request: string) => void,
): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const { port } = await tcpServer((socket) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\n');
      if (end < 0) return;
      socket.off('data', onData);
      requests.push(received.slice(0, end));
      act(socket, received.slice(0, end));
    };
    socket.on('data', onData);
  });
  return { port, requests };
}

/** An HTTP server on loopback that answers every request with this status and body, then closes. */
function httpAnswering(status: string, body: string) {
  return tcpServer((socket) =>
    socket.on('data', () =>
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`),
    ),
  );
}

const nonceOf = (request: string) => request.split(' ')[3] ?? '';

/** The pod's prober, reduced to its protocol: it answers every run with the probe result `probeOk`. */
const proberAnswering = (pod: Pod, probeOk: boolean) =>
  squatter((socket, request) => {
    const head = request.split(' ').slice(0, 4).join(' ');
    const verdictLine = probeOk ? `${head} pass` : `${head} fail tcp-check: down`;
    writeFileSync(join(pod.stateDir, `verdict-${nonceOf(request)}`), `${verdictLine}\n`);
    socket.end(`ready ${nonceOf(request)}\n`);
  });

describe('verdict.sh against the pod’s prober', () => {
  it('exits 0 when every named check passed this run, silently, and records it', async () => {
    const pod = await makePod();
    const target = await switchableTcpTarget();
    const http = await httpAnswering('200 OK', 'ok');
    await tcpCheckProber(pod, target.port, {
      IPF_CHECKS: 'tcp-check,http-check',
      IPF_HTTP_URL: `http://127.0.0.1:${http.port}/`,
    });
    const run = await verdict(pod, {}, ['tcp-check,http-check']);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '', logged: [] });
    expect(run.elapsedMs).toBeLessThan(1000);
    expect(verdictRecord(pod)).toMatchObject({
      check: 'verdict',
      checks: 'tcp-check,http-check',
      ok: true,
      reason: '',
      passing: true,
      consecutive_failures: 0,
      consecutive_passes: 1,
    });
    expect(streakOf(pod)).toBe('1 0 1\n');
  });

  it('exits 1 when one of the named checks failed, with that check’s reason', async () => {
    const pod = await makePod();
    const target = await switchableTcpTarget();
    const http = await httpAnswering('503 Busy', '');
    const url = `http://127.0.0.1:${http.port}/`;
    await tcpCheckProber(pod, target.port, { IPF_CHECKS: 'tcp-check,http-check', IPF_HTTP_URL: url });
    const line = expectFailure(
      await verdict(pod, {}, ['tcp-check,http-check']),
      `http-check: GET ${url}: status 503, expected 200-399`,
    );
    expect(verdictRecord(pod)).toMatchObject({
      ok: false,
      passing: false,
      reason: line.replace('verdict.sh: FAIL ', ''),
    });
    // The passing check alone still passes: the verdict is per request, not per prober.
    expect((await verdict(pod)).code).toBe(0);
  });

  it('exits 1 when the prober refuses: a check it does not serve', async () => {
    const { pod } = await tcpCheckPod();
    expectFailure(
      await verdict(pod, {}, ['http-check']),
      `the prober on 127.0.0.1:${pod.port} refused the request: http-check not in IPF_CHECKS of this prober`,
    );
    expect(verdictRecord(pod)).toMatchObject({ ok: false, passing: false });
  });

  it('exits 1 when the prober belongs to another pod (another IPF_POD_UID)', async () => {
    const { pod } = await tcpCheckPod();
    expectFailure(
      await verdict(pod, { IPF_POD_UID: '0badc0de-0000-4000-8000-000000000000' }),
      `the prober on 127.0.0.1:${pod.port} refused the request: this prober serves another pod`,
    );
  });

  it('no prober: one line saying where it should be, before the interval', async () => {
    const pod = await makePod();
    const run = await verdict(pod);
    expectFailure(run, `no prober on 127.0.0.1:${pod.port}: is the ipft-prober container running?`);
    expect(verdictRecord(pod)).toMatchObject({
      check: 'verdict',
      checks: 'tcp-check',
      ok: false,
      reason: `no prober on 127.0.0.1:${pod.port}: is the ipft-prober container running?`,
      passing: false,
      consecutive_failures: 1,
    });
  });

  it('an unknown check name, a second list or no argument fails at once, whatever IPF_CHECK_FALL says', async () => {
    const pod = await makePod();
    writeFileSync(join(pod.stateDir, 'verdict.streak'), '1 0 9\n');
    const expected =
      'expected the checks to ask for as an argument, a comma list of tcp-check, http-check and externalip-check, got';
    for (const args of [['nope'], ['tcp-check,nope'], [], ['tcp-check,'], ['TCP-CHECK']]) {
      const run = await verdict(pod, { IPF_CHECK_FALL: '5' }, args);
      expectFailure(run, new RegExp(`^verdict\\.sh: FAIL ${expected} `));
    }
    expectFailure(
      await verdict(pod, { IPF_CHECK_FALL: '5' }, ['tcp-check', 'http-check']),
      'expected one list of checks and at most --dry-run, got another argument',
    );
    // A run that cannot ask is not a probe: the streak stands.
    expect(streakOf(pod)).toBe('1 0 9\n');
  });

  describe('refuses exactly the settings that belong in the prober’s settings file (core/setting-names.ts)', () => {
    const refusal = (name: string) =>
      `${name} set in the keepalived container: check settings belong to the ipft-prober container (its envFrom ConfigMap ipfailover-toolkit-settings), where the checks run`;
    // A name the table does not know, in a family the prober alone reads, is refused too.
    const refused = [...Object.keys(SETTING_READERS), 'IPF_HTTP_FOO', 'IPF_MAINTENANCE_WHATEVER'].filter(
      (name) => !isSettingName(name) || belongsInSettingsFile(name, 'prober'),
    );
    it.each(refused)('%s', async (name) => {
      const pod = await makePod();
      expectFailure(await verdict(pod, { [name]: 'anything', IPF_CHECK_FALL: '3' }), refusal(name));
    });

    it('and no other: each one the keepalived container may carry reaches the prober', async () => {
      const { pod } = await tcpCheckPod();
      const harness = verdictEnv(pod);
      const allowed = Object.keys(SETTING_READERS).filter(
        (name) => !refused.includes(name) && !(name in harness),
      );
      expect(allowed).toEqual(expect.arrayContaining(['IPF_CHECK_FALL', 'IPF_EXPORTER_PORT']));
      const run = await verdict(pod, Object.fromEntries(allowed.map((name) => [name, '1'])));
      expect(run).toMatchObject({ code: 0, stderr: '' });
    });
  });

  it('bad settings of its own fail at once, one line each', async () => {
    const pod = await makePod();
    const cases: [Env, string][] = [
      [
        { IPF_POD_UID: '' },
        'IPF_POD_UID: expected the pod UID from the downward API (fieldRef metadata.uid), got ',
      ],
      [{ IPF_POD_UID: 'Not A UID' }, 'IPF_POD_UID: expected the pod UID'],
      [{ IPF_PROBER_PORT: '70000' }, 'IPF_PROBER_PORT: expected a port from 1 to 65535, got 70000'],
      [
        { OPENSHIFT_HA_CHECK_INTERVAL: 'x' },
        'OPENSHIFT_HA_CHECK_INTERVAL: expected a whole number of seconds',
      ],
      [{ IPF_CHECK_FALL: '0' }, 'IPF_CHECK_FALL: expected a whole number from 1 to 1000, got 0'],
      [{ IPF_CHECK_RISE: 'many' }, 'IPF_CHECK_RISE: expected a whole number from 1 to 1000, got many'],
    ];
    for (const [extra, start] of cases) {
      const line = expectFailure(await verdict(pod, extra), /^verdict\.sh: FAIL /);
      expect(line.startsWith(`verdict.sh: FAIL ${start}`)).toBe(true);
    }
  });
});

describe('a squatter on the port can fail a run, never pass one', () => {
  const malformed = (port: number) =>
    `a malformed answer from 127.0.0.1:${port}: another process may hold the port (ss -ltnp | grep :${port})`;
  const closed = (port: number, bytes: number) =>
    `127.0.0.1:${port} closed the connection without a whole answer (${bytes} bytes): is the ipft-prober container restarting?`;
  const silent = (port: number) =>
    `no answer from 127.0.0.1:${port} within 900 ms: is the ipft-prober container stopped or overloaded?`;
  const noFile = (pod: Pod, port: number) =>
    `no verdict file for this run in ${pod.stateDir}: whatever answered on 127.0.0.1:${port} is not this pod's prober`;

  /** Runs verdict.sh against the squatter and checks the failure and its valid record. */
  async function against(pod: Pod, port: number, reason: string | RegExp, extra: Env = {}) {
    const run = await verdict(pod, { IPF_PROBER_PORT: String(port), ...extra });
    const line = expectFailure(run, reason);
    expect(verdictRecord(pod)).toMatchObject({ ok: false, passing: false });
    return line;
  }

  it('one that echoes the request', async () => {
    const pod = await makePod();
    const { port, requests } = await squatter((socket, request) => socket.end(`${request}\n`));
    await against(pod, port, malformed(port));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(new RegExp(`^ipft2 ${pod.uid} tcp-check [0-9]{2,40} [0-9]{3}$`));
  });

  it('one that answers `ready` with the right nonce: it cannot write the pod’s file', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket, request) => socket.end(`ready ${nonceOf(request)}\n`));
    await against(pod, port, noFile(pod, port));
    // Even with every hysteresis setting in its favour: the run is a failure, counted.
    writeFileSync(join(pod.stateDir, 'verdict.streak'), '1 0 5\n');
    const run = await verdict(pod, { IPF_PROBER_PORT: String(port), IPF_CHECK_FALL: '2' });
    expect(run.code).toBe(0);
    expect(lines(run.stderr)).toEqual([
      `verdict.sh: FAIL ${noFile(pod, port)} (failure 1 of IPF_CHECK_FALL=2, still passing)`,
    ]);
    expectFailure(
      await verdict(pod, { IPF_PROBER_PORT: String(port), IPF_CHECK_FALL: '2' }),
      noFile(pod, port),
    );
  });

  it('one that answers `ready` for another nonce', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) => socket.end('ready 12345\n'));
    await against(pod, port, malformed(port));
  });

  describe('a verdict file that does not match this run (a confused prober in the pod’s own directory)', () => {
    const variants: [string, (pod: Pod, request: string) => string][] = [
      [
        'another pod UID',
        (_, request) => request.replace(/^ipft2 \S+ (\S+ \S+) \S+$/, 'ipft2 0badc0de-1 $1 pass'),
      ],
      ['another version', (pod, request) => `ipft3 ${pod.uid} tcp-check ${nonceOf(request)} pass`],
      ['other checks', (pod, request) => `ipft2 ${pod.uid} http-check ${nonceOf(request)} pass`],
      ['another nonce inside', (pod) => `ipft2 ${pod.uid} tcp-check 999 pass`],
      ['no verdict word', (pod, request) => `ipft2 ${pod.uid} tcp-check ${nonceOf(request)}`],
      ['`pass` and more', (pod, request) => `ipft2 ${pod.uid} tcp-check ${nonceOf(request)} pass!`],
      ['an empty file', () => ''],
    ];
    for (const [name, contents] of variants) {
      it(name, async () => {
        const pod = await makePod();
        const { port } = await squatter((socket, request) => {
          writeFileSync(join(pod.stateDir, `verdict-${nonceOf(request)}`), `${contents(pod, request)}\n`);
          socket.end(`ready ${nonceOf(request)}\n`);
        });
        await against(
          pod,
          port,
          new RegExp(
            `^verdict\\.sh: FAIL the verdict file ${pod.stateDir}/verdict-[0-9]+ does not match this run$`,
          ),
        );
      });
    }

    it('a file that is not a regular file', async () => {
      const pod = await makePod();
      const { port } = await squatter((socket, request) => {
        spawnSync('mkfifo', [join(pod.stateDir, `verdict-${nonceOf(request)}`)]);
        socket.end(`ready ${nonceOf(request)}\n`);
      });
      await against(pod, port, noFile(pod, port));
    });
  });

  it('one that is silent: fails inside the interval', async () => {
    const pod = await makePod();
    const { port } = await squatter(() => {});
    await against(pod, port, silent(port));
  });

  it('one that accepts and never even reads', async () => {
    const pod = await makePod();
    const { port } = await tcpServer((socket) => socket.pause());
    await against(pod, port, silent(port));
  });

  it('one that streams for ever, without a newline', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) => {
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) {}
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    await against(pod, port, malformed(port));
  });

  it('one that trickles a byte at a time, for ever', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) => {
      const timer = setInterval(() => socket.write('r'), 20);
      socket.on('close', () => clearInterval(timer));
    });
    await against(pod, port, silent(port));
  });

  it('a partial reply, then close', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) => socket.end('ready 123'));
    await against(pod, port, closed(port, 9));
  });

  it('a partial reply with the right nonce, held open', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket, request) => socket.write(`ready ${nonceOf(request)}`));
    await against(pod, port, silent(port));
  });

  it('an oversized reply that starts right', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket, request) =>
      socket.end(`ready ${nonceOf(request)}${'0'.repeat(100_000)}\n`),
    );
    await against(pod, port, malformed(port));
  });

  it('a foreign protocol', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) =>
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
    );
    await against(pod, port, malformed(port));
  });

  it('a reset', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) => socket.resetAndDestroy());
    await against(pod, port, closed(port, 0));
  });

  it('one that closes before reading the request', async () => {
    const pod = await makePod();
    const { port } = await tcpServer((socket) => socket.destroy());
    await against(
      pod,
      port,
      /^verdict\.sh: FAIL (?:the connection to )?127\.0\.0\.1:\d+ closed the connection/,
    );
  });

  it('a refusal full of control characters reaches neither the log nor the JSON record as such', async () => {
    const pod = await makePod();
    const { port } = await squatter((socket) =>
      socket.end('refused go\u001b[2J away\ttoday\u0007 "x" \\y\n'),
    );
    const line = await against(
      pod,
      port,
      `the prober on 127.0.0.1:${port} refused the request: go?[2J away?today? "x" \\y`,
    );
    expect(verdictRecord(pod).reason).toBe(line.replace('verdict.sh: FAIL ', ''));
    const logged = readFileSync(pod.verdictLog, 'utf8');
    expect([...logged].filter((character) => character < ' ' && character !== '\n')).toEqual([]);
  });

  it('one that speaks another version: its refusal is the line, asked once', async () => {
    const pod = await makePod();
    const { port, requests } = await squatter((socket) =>
      socket.end('refused unknown protocol version "ipft2"; this prober speaks ipft3\n'),
    );
    await against(
      pod,
      port,
      `the prober on 127.0.0.1:${port} refused the request: unknown protocol version "ipft2"; this prober speaks ipft3`,
    );
    expect(requests).toHaveLength(1);
  });
});

describe('hysteresis: IPF_CHECK_FALL and IPF_CHECK_RISE apply to what keepalived is told', () => {
  it('with FALL 3 two failures still pass, and the third fails', async () => {
    const { pod, target } = await tcpCheckPod();
    const fall = { IPF_CHECK_FALL: '3' };
    expect((await verdict(pod, fall)).code).toBe(0);
    target.set('down');
    for (const failure of [1, 2]) {
      const run = await verdict(pod, fall);
      expect(run.code).toBe(0);
      expect(lines(run.stderr)).toEqual([
        `verdict.sh: FAIL ${downReason(target.port)} (failure ${failure} of IPF_CHECK_FALL=3, still passing)`,
      ]);
      expect(run.logged).toEqual(lines(run.stderr));
      expect(streakOf(pod)).toBe(`1 ${failure} 0\n`);
      expect(verdictRecord(pod)).toMatchObject({ ok: false, passing: true, consecutive_failures: failure });
    }
    expectFailure(await verdict(pod, fall), downReason(target.port));
    expect(streakOf(pod)).toBe('0 3 0\n');
    expect(verdictRecord(pod)).toMatchObject({ ok: false, passing: false, consecutive_failures: 3 });
    // One pass (RISE 1) and it passes again, silently.
    target.set('up');
    expect(await verdict(pod, fall)).toMatchObject({ code: 0, stderr: '', logged: [] });
    expect(streakOf(pod)).toBe('1 0 1\n');
  });

  it('a fresh start counts as failing: with FALL 3 the first failure exits 1', async () => {
    const pod = await makePod();
    const target = await switchableTcpTarget();
    target.set('down');
    await tcpCheckProber(pod, target.port);
    expectFailure(await verdict(pod, { IPF_CHECK_FALL: '3' }), downReason(target.port));
    expect(streakOf(pod)).toBe('0 1 0\n');
  });

  it('a fresh start with RISE 2: the first pass is held back, the second passes', async () => {
    const { pod } = await tcpCheckPod();
    const rise = { IPF_CHECK_RISE: '2' };
    const first = await verdict(pod, rise);
    expect(first.code).toBe(1);
    expect(lines(first.stderr)).toEqual([
      'verdict.sh: PASS held back (pass 1 of IPF_CHECK_RISE=2, still failing)',
    ]);
    expect(first.logged).toEqual(lines(first.stderr));
    expect(verdictRecord(pod)).toMatchObject({ ok: true, passing: false, consecutive_passes: 1 });
    expect(await verdict(pod, rise)).toMatchObject({ code: 0, stderr: '', logged: [] });
    expect(streakOf(pod)).toBe('1 0 2\n');
  });

  it('a corrupt streak file is a fresh start, which is failing', async () => {
    const { pod } = await tcpCheckPod();
    for (const corrupt of ['1 2 3\n', 'garbage\n', '', `1 0 ${'9'.repeat(50)}\n`]) {
      writeFileSync(join(pod.stateDir, 'verdict.streak'), corrupt);
      const run = await verdict(pod, { IPF_CHECK_RISE: '2' });
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([
        'verdict.sh: PASS held back (pass 1 of IPF_CHECK_RISE=2, still failing)',
      ]);
    }
  });

  it('--dry-run asks the prober but counts nothing', async () => {
    const { pod, target } = await tcpCheckPod();
    const fall = { IPF_CHECK_FALL: '3' };
    expect((await verdict(pod, fall)).code).toBe(0);
    const streak = streakOf(pod);
    const record = readFileSync(recordPath(pod), 'utf8');
    const pass = await verdict(pod, fall, ['tcp-check', '--dry-run']);
    expect(pass).toMatchObject({ code: 0, stdout: 'verdict.sh: PASS tcp-check\n', stderr: '', logged: [] });
    target.set('down');
    const fail = await verdict(pod, fall, ['--dry-run', 'tcp-check']);
    // Unmasked: a person asking sees the probe's result, whatever FALL would make of it.
    expect(fail).toMatchObject({
      code: 1,
      stdout: `verdict.sh: FAIL ${downReason(target.port)}\n`,
      stderr: '',
    });
    expect(fail.logged).toEqual([]);
    expect(streakOf(pod)).toBe(streak);
    expect(readFileSync(recordPath(pod), 'utf8')).toBe(record);
  });

  it('an absent prober counts as a failure: a restart shorter than FALL runs moves no VIP', async () => {
    const fall = { IPF_CHECK_FALL: '3' };
    const { pod, target } = await passedThenProberKilled(fall);
    const absent = `no prober on 127.0.0.1:${pod.port}: is the ipft-prober container running?`;
    for (const failure of [1, 2]) {
      const run = await verdict(pod, fall);
      expect(run.code).toBe(0);
      expect(lines(run.stderr)).toEqual([
        `verdict.sh: FAIL ${absent} (failure ${failure} of IPF_CHECK_FALL=3, still passing)`,
      ]);
    }
    await tcpCheckProber(pod, target.port);
    expect(await verdict(pod, fall)).toMatchObject({ code: 0, stderr: '' });
    expect(streakOf(pod)).toBe('1 0 1\n');
  });
});

describe('hysteresis in bash, by the table core/hysteresis.ts is held to (test/support/hysteresis-cases.ts)', () => {
  const streakLine = (streak: Streak) =>
    `${streak.passing ? 1 : 0} ${streak.consecutive_failures} ${streak.consecutive_passes}\n`;

  it.each(HYSTERESIS_CASES.map((row) => [row.name, row]))('%s', async (_, row) => {
    const pod = await makePod();
    const { port } = await proberAnswering(pod, row.probeOk);
    writeFileSync(join(pod.stateDir, 'verdict.streak'), streakLine(row.start));
    const run = await verdict(pod, {
      IPF_PROBER_PORT: String(port),
      IPF_CHECK_FALL: String(row.thresholds.fall),
      IPF_CHECK_RISE: String(row.thresholds.rise),
    });
    expect(run.code).toBe(row.expected.passing ? 0 : 1);
    expect(streakOf(pod)).toBe(streakLine(row.expected));
    expect(verdictRecord(pod)).toMatchObject({ ok: row.probeOk, ...row.expected });
  });

  it.each(STREAK_RECORD_CASES.map((row) => [streakLine(row.streak).trim(), row]))(
    'a streak read back: %s',
    async (_, { streak, valid }) => {
      const pod = await makePod();
      const { port } = await proberAnswering(pod, true);
      writeFileSync(join(pod.stateDir, 'verdict.streak'), streakLine(streak));
      // RISE 2: a pass after a valid streak adds one to its passes; after a corrupt one it is a fresh start's first.
      await verdict(pod, { IPF_PROBER_PORT: String(port), IPF_CHECK_RISE: '2' });
      const start = valid ? streak : freshStreaks.prober;
      expect(streakOf(pod)).toBe(streakLine(nextStreak(start, true, { rise: 2, fall: 1 })));
    },
  );
});

describe('the prober process dies or stops', () => {
  it('SIGKILLed: with FALL 1 the next run fails at once', async () => {
    const interval = { OPENSHIFT_HA_CHECK_INTERVAL: '2' };
    const { pod } = await passedThenProberKilled(interval);
    const run = await verdict(pod, interval);
    expectFailure(run, `no prober on 127.0.0.1:${pod.port}: is the ipft-prober container running?`, 2000);
    // At once: a refused connect, not a wait for the budget.
    expect(run.elapsedMs).toBeLessThan(1000);
  });

  it('SIGSTOPped: the run fails inside the interval, and passes again once it is continued', async () => {
    const { pod, prober } = await tcpCheckPod();
    const interval = { OPENSHIFT_HA_CHECK_INTERVAL: '2' };
    expect((await verdict(pod, interval)).code).toBe(0);
    process.kill(prober.pid, 'SIGSTOP');
    onCleanup(() => process.kill(prober.pid, 'SIGCONT'));
    const run = await verdict(pod, interval);
    expectFailure(
      run,
      `no answer from 127.0.0.1:${pod.port} within 1900 ms: is the ipft-prober container stopped or overloaded?`,
      2000,
    );
    expect(run.elapsedMs).toBeGreaterThanOrEqual(1800);
    process.kill(prober.pid, 'SIGCONT');
    expect(await verdict(pod, interval)).toMatchObject({ code: 0, stderr: '' });
    expect(prober.child.exitCode).toBe(null);
  });
});

/**
 * strace is required (CI installs it, as for notify.sh): keepalived runs this every interval, so the
 * whole run must be one execve (the script itself, `#!/bin/bash` with no env in between) and no fork,
 * no subshell, no command substitution: a clone would show here.
 */
describe('verdict.sh system calls (strace): bash builtins only', () => {
  /** Asynchronous: the prober's target and the squatters live in this process and must keep answering. */
  async function traced(env: Env, args: string[]): Promise<{ code: number | null; calls: string[] }> {
    const output = join(temporaryDirectory(), 'strace.out');
    const child = spawn(
      'strace',
      ['-f', '-qq', '-e', 'trace=process', '-o', output, verdictScript, ...args],
      {
        env: { ...env, PATH: minimalPath },
        stdio: 'ignore',
      },
    );
    const code = await new Promise<number | null>((resolved, rejected) => {
      child.on('error', (error) =>
        rejected(new Error(`strace is needed for this test (apt-get install strace): ${error}`)),
      );
      child.on('close', resolved);
    });
    return { code, calls: readFileSync(output, 'utf8').trimEnd().split('\n') };
  }

  function expectOneProcess(calls: string[]) {
    const execs = calls.filter((call) => /^\d+ +execve\(/.test(call));
    expect(execs).toHaveLength(1);
    expect(execs[0]).toContain(`execve("${verdictScript}", `);
    expect(calls.filter((call) => /^\d+ +(clone|clone3|fork|vfork|wait4|waitid)\(/.test(call))).toEqual([]);
    // Every line is the one process's.
    expect(new Set(calls.map((call) => call.split(' ')[0])).size).toBe(1);
  }

  it('a pass, with its streak and record written', async () => {
    const { pod } = await tcpCheckPod();
    const { code, calls } = await traced(verdictEnv(pod), ['tcp-check']);
    expect(code).toBe(0);
    expectOneProcess(calls);
    expect(verdictRecord(pod)).toMatchObject({ ok: true, passing: true });
    expect(streakOf(pod)).toBe('1 0 1\n');
  });

  it('a failure with its line to stderr and IPF_LOG_TO (no prober)', async () => {
    const pod = await makePod();
    const { code, calls } = await traced(verdictEnv(pod), ['tcp-check']);
    expect(code).toBe(1);
    expectOneProcess(calls);
    expect(readFileSync(pod.verdictLog, 'utf8')).toContain('verdict.sh: FAIL no prober on');
  });

  it('a held-back pass and --dry-run', async () => {
    const pod = await makePod();
    const { port } = await proberAnswering(pod, true);
    const env = verdictEnv(pod, { IPF_PROBER_PORT: String(port), IPF_CHECK_RISE: '2' });
    const held = await traced(env, ['tcp-check']);
    expect(held.code).toBe(1);
    expectOneProcess(held.calls);
    expect(readFileSync(pod.verdictLog, 'utf8')).toContain('PASS held back');
    const dry = await traced(env, ['tcp-check', '--dry-run']);
    expect(dry.code).toBe(0);
    expectOneProcess(dry.calls);
  });

  it('a usage error', async () => {
    const pod = await makePod();
    const { code, calls } = await traced(verdictEnv(pod, { IPF_HTTP_URL: 'http://127.0.0.1:1/' }), [
      'tcp-check',
    ]);
    expect(code).toBe(1);
    expectOneProcess(calls);
    expect(existsSync(recordPath(pod))).toBe(false);
  });
});

it('is built to dist/checks/verdict.sh, mode 0755, with its include inlined, and is shellcheck-clean', () => {
  expect(statSync(verdictScript).mode & 0o777).toBe(0o755);
  expect(readFileSync(verdictScript, 'utf8')).toBe(inlineIncludes('checks/prober/verdict.sh'));
  expect(readFileSync(verdictScript, 'utf8').startsWith('#!/bin/bash\n')).toBe(true);
  const shellcheck = spawnSync('shellcheck', ['-S', 'style', 'checks/prober/verdict.sh'], {
    encoding: 'utf8',
  });
  if (shellcheck.error) throw new Error(`shellcheck is needed for this test: ${shellcheck.error}`);
  expect(shellcheck.stdout).toBe('');
  expect(shellcheck.status).toBe(0);
});
