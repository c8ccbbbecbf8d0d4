// Every defect hostile testing found in the checks, against the built bundles run as
// keepalived runs them, real loopback servers and real files (FIFOs, /dev/zero, directories).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Env } from '../core/settings.ts';
import { type Exit, installAlone, runAsKeepalived } from './support/bundle.ts';
import {
  closedPort,
  isolatedEnv,
  onCleanup,
  readOutputs,
  tcpServer,
  temporaryDirectory,
} from './support/harness.ts';
import { bundleNode } from './support/node.ts';

/** keepalived's own bound: a run that lasts the interval (2 s here) is killed and counted as failed. */
const INTERVAL_MS = 2000;

async function httpServer(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve).closeAllConnections()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

function fifo(directory: string, name: string): string {
  const path = join(directory, name);
  execFileSync('mkfifo', [path]);
  return path;
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

/** The run failed, with exactly one reason line matching `reason`, before keepalived's timeout. */
function expectOneFailure(result: Exit, reason: RegExp | string) {
  expect(result.code).toBe(1);
  expect(lines(result.stderr)).toHaveLength(1);
  expect(lines(result.stderr)[0]).toMatch(reason);
  expect(result.elapsedMs).toBeLessThan(INTERVAL_MS);
}

describe('two healthy URLs never fail (an unread body used to raise an unhandled error)', () => {
  it('200 runs of http-check against a fast and a slow URL all pass with no output', async () => {
    const url = await httpServer((request, response) => {
      if (request.url === '/slow') setTimeout(() => response.end('ok'), 30);
      else response.end('ok');
    });
    const path = installAlone('http-check');
    const env = isolatedEnv({ IPF_HTTP_URL: `${url}/fast,${url}/slow` });
    const failures: string[] = [];
    let runs = 0;
    const worker = async () => {
      while (runs < 200) {
        runs += 1;
        const result = await runAsKeepalived(path, env);
        if (result.code !== 0 || result.stderr !== '') failures.push(`${result.code}: ${result.stderr}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures).toEqual([]);
    expect(readOutputs('http-check', env).record).toMatchObject({ ok: true, passing: true });
  }, 120_000);
});

describe('synchronous work never outlasts the deadline', () => {
  const catastrophic = '(a+)+$';
  const body = `${'a'.repeat(40)}!`;

  it('a catastrophic body regex fails on the linear-time engine, well inside the deadline', async () => {
    const url = await httpServer((_, response) => response.end(body));
    const env = isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_BODY_REGEX: catastrophic });
    const result = await runAsKeepalived(installAlone('http-check'), env);
    expectOneFailure(result, `http-check: FAIL GET ${url}/: body does not match /(a+)+$/`);
    expect(readOutputs('http-check', env).record).toMatchObject({ ok: false, passing: false });
  });

  // Even the linear engine costs about 0.25 µs per character per pattern character: `(a+)+$` on
  // 4 MiB takes 0.9 to 2.8 s here, and this pattern about 25 s. A large match runs on a worker thread
  // that the deadline terminates, so the run always ends before keepalived's timeout.
  const slowEvenInLinearTime = `(a+)+${'(b|a?)'.repeat(10)}$`;
  const fourMiB = `${'a'.repeat(4 * 1024 * 1024 - 1)}!`;

  it('a 4 MiB body (the largest IPF_HTTP_MAX_BODY) and a pattern that would take 25 s fail at the deadline, before the interval', async () => {
    const url = await httpServer((_, response) => response.end(fourMiB));
    const env = isolatedEnv({
      IPF_HTTP_URL: `${url}/`,
      IPF_HTTP_BODY_NOT_REGEX: slowEvenInLinearTime,
      IPF_HTTP_MAX_BODY: '4MiB',
      IPF_CHECK_TIMEOUT_MS: '1000',
    });
    const result = await runAsKeepalived(installAlone('http-check'), env);
    expectOneFailure(
      result,
      /^http-check: FAIL timed out after 1000 ms while matching the body of GET http:\/\/127\.0\.0\.1:\d+\/ against \/\(a\+\)\+/,
    );
  });

  it('a 4 MiB body and a quick pattern are matched whole and pass', async () => {
    const url = await httpServer((_, response) => response.end(fourMiB));
    const env = isolatedEnv({
      IPF_HTTP_URL: `${url}/`,
      IPF_HTTP_BODY_REGEX: 'a!$',
      IPF_HTTP_MAX_BODY: '4MiB',
    });
    const result = await runAsKeepalived(installAlone('http-check'), env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.elapsedMs).toBeLessThan(INTERVAL_MS);
  });

  it('IPF_TCP_EXPECT with a slow pattern, on a banner that trickles to 64 KiB, fails at its deadline', async () => {
    // 1 KiB every 10 ms: matched on the event loop, every chunk would rematch the growing window.
    const { port } = await tcpServer((socket) => {
      let sent = 0;
      const trickle = setInterval(() => {
        if (socket.destroyed || sent >= 64) return clearInterval(trickle);
        sent += 1;
        socket.write(`${'a'.repeat(1023)}!`);
      }, 10);
      socket.on('close', () => clearInterval(trickle));
    });
    const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_TCP_EXPECT: slowEvenInLinearTime });
    const result = await runAsKeepalived(installAlone('tcp-check'), { ...env, IPF_CHECK_TIMEOUT_MS: '800' });
    expectOneFailure(result, /^tcp-check: FAIL timed out after 800 ms while waiting for \/\(a\+\)\+/);
  });

  it('IPF_TCP_EXPECT gets the same engine', async () => {
    const { port } = await tcpServer((socket) => socket.write(body));
    const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_TCP_EXPECT: catastrophic });
    const result = await runAsKeepalived(installAlone('tcp-check'), { ...env, IPF_CHECK_TIMEOUT_MS: '800' });
    expectOneFailure(result, /^tcp-check: FAIL timed out after 800 ms while waiting for \/\(a\+\)\+\$\//);
  });

  // V8's linear engine runs lookbehind from Node.js 22 on, not in Node.js 20: asked of the node under test.
  const lookbehindRuns =
    spawnSync(bundleNode, ['--enable-experimental-regexp-engine', '-e', 'new RegExp("(?<=a)b", "l")'])
      .status === 0;
  const refusal = (check: string, name: string, pattern: string) =>
    `${check}: FAIL ${name}: expected a JavaScript regular expression that runs in linear time (no backreferences such as \\1, no lookahead${lookbehindRuns ? '' : ' or lookbehind'}), got ${JSON.stringify(pattern)}`;

  it.each([
    ['IPF_HTTP_BODY_REGEX', '(a+)+\\1$', 'http-check'],
    ['IPF_HTTP_BODY_NOT_REGEX', '(?=a)(a+)+$', 'http-check'],
    ['IPF_TCP_EXPECT', '(?!x)(a+)+$', 'tcp-check'],
  ])('%s=%s, which the linear engine cannot run, is refused as a setting', async (name, pattern, check) => {
    const result = await runAsKeepalived(
      installAlone(check),
      isolatedEnv({ [name]: pattern, IPF_TCP_TARGETS: '127.0.0.1:1', IPF_HTTP_URL: 'http://127.0.0.1:1/' }),
    );
    expectOneFailure(result, refusal(check, name, pattern));
  });

  it(`a lookbehind is ${lookbehindRuns ? 'accepted and runs in linear time' : 'refused as a setting'} on ${process.env.IPF_TEST_NODE ? 'IPF_TEST_NODE' : 'this node'}`, async () => {
    const pattern = '(?<=x)(a+)+$';
    const { port } = await tcpServer((socket) => socket.end(`x${body}`));
    const result = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({
        IPF_TCP_TARGETS: `127.0.0.1:${port}`,
        IPF_TCP_EXPECT: pattern,
        IPF_CHECK_TIMEOUT_MS: '800',
      }),
    );
    if (!lookbehindRuns) return expectOneFailure(result, refusal('tcp-check', 'IPF_TCP_EXPECT', pattern));
    // Catastrophic on the backtracking engine: it fails on the closed banner, not at the deadline.
    expectOneFailure(result, /^tcp-check: FAIL 127\.0\.0\.1:\d+: /);
    expect(result.stderr).not.toContain('timed out');
    expect(result.elapsedMs).toBeLessThan(800);
  });

  it('IPF_HTTP_MAX_BODY is bounded: 500MiB is refused', async () => {
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: 'http://127.0.0.1:1/', IPF_HTTP_MAX_BODY: '500MiB' }),
    );
    expectOneFailure(
      result,
      'http-check: FAIL IPF_HTTP_MAX_BODY: expected a size in bytes up to 4194304, such as 65536, 64KiB or 1MiB, got "500MiB"',
    );
  });

  it('SIGTERM mid-body is answered at once while a body regex waits for a body that trickles', async () => {
    const url = await httpServer((_, response) => {
      response.writeHead(200, { 'content-length': '1000000' });
      const timer = setInterval(() => response.write('a'.repeat(100)), 5);
      response.on('close', () => clearInterval(timer));
    });
    const env = isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_BODY_REGEX: catastrophic });
    let pid = 0;
    const running = runAsKeepalived(installAlone('http-check'), env, [], (spawned) => (pid = spawned));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const sent = Date.now();
    process.kill(pid, 'SIGTERM');
    const result = await running;
    expect(Date.now() - sent).toBeLessThan(500);
    expectOneFailure(result, /^http-check: FAIL terminated by SIGTERM while reading the body of GET /);
  });
});

describe('files that are FIFOs, /dev/zero, directories or too large never hang a check', () => {
  const target = async () => ({
    IPF_TCP_TARGETS: `127.0.0.1:${(await tcpServer((socket) => socket.end())).port}`,
  });

  it.each([
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path])],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path)],
    ['10 MB of garbage', (path: string) => writeFileSync(path, 'x'.repeat(10_000_000))],
  ])('a status record that is %s is a fresh start, and the run passes', async (_, plant) => {
    const env = isolatedEnv(await target());
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    plant(join(env.IPF_STATE_DIR, 'check-tcp-check.json'));
    const result = await runAsKeepalived(installAlone('tcp-check'), env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.elapsedMs).toBeLessThan(INTERVAL_MS);
    expect(readOutputs('tcp-check', env).record).toMatchObject({ ok: true, passing: true });
  });

  it('IPF_LOG_TO naming a FIFO with no reader is skipped and counted, never waited on', async () => {
    const port = await closedPort();
    const directory = temporaryDirectory();
    const env: Env & { IPF_STATE_DIR: string; IPF_LOG_TO: string } = {
      ...isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}` }),
      IPF_LOG_TO: fifo(directory, 'log'),
    };
    const path = installAlone('tcp-check');
    for (const run of [1, 2]) {
      const result = await runAsKeepalived(path, env);
      expect(result.code).toBe(1);
      expect(result.elapsedMs).toBeLessThan(INTERVAL_MS);
      expect(lines(result.stderr)).toEqual([
        expect.stringMatching(/^tcp-check: FAIL 127\.0\.0\.1:\d+: connect ECONNREFUSED/),
        `tcp-check: skipped IPF_LOG_TO ${env.IPF_LOG_TO}: it is a FIFO with no reader`,
      ]);
      const record = JSON.parse(readFileSync(join(env.IPF_STATE_DIR, 'check-tcp-check.json'), 'utf8'));
      expect(record.log_skipped_total).toBe(run);
    }
  });

  it('IPF_LOG_TO naming a FIFO with a reader gets the line', async () => {
    const port = await closedPort();
    const log = fifo(temporaryDirectory(), 'log');
    const { spawn } = await import('node:child_process');
    const reader = spawn('cat', [log]);
    let received = '';
    reader.stdout.on('data', (chunk) => (received += chunk));
    onCleanup(() => reader.kill());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const env = { ...isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}` }), IPF_LOG_TO: log };
    const result = await runAsKeepalived(installAlone('tcp-check'), env);
    expect(lines(result.stderr)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toMatch(/Z tcp-check: FAIL 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it.each([
    ['/dev/zero', () => '/dev/zero', 'is a character device, not a regular file'],
    ['a FIFO', () => fifo(temporaryDirectory(), 'ca.pem'), 'is a FIFO, not a regular file'],
    ['a directory', () => temporaryDirectory(), 'is a directory, not a regular file'],
    [
      'a 2 MB file',
      () => {
        const path = join(temporaryDirectory(), 'ca.pem');
        writeFileSync(path, 'x'.repeat(2_000_000));
        return path;
      },
      'is larger than 1048576 bytes',
    ],
  ])('IPF_HTTP_CA_FILE as %s fails with one line naming the setting', async (_, make, problem) => {
    const ca = make();
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: 'https://127.0.0.1:1/', IPF_HTTP_CA_FILE: ca }),
    );
    expectOneFailure(
      result,
      `http-check: FAIL IPF_HTTP_CA_FILE: expected a readable regular file of at most 1 MiB (${ca} ${problem}), got ${JSON.stringify(ca)}`,
    );
  });

  it('a status record that is a directory leaks no temp file, run after run', async () => {
    const env = isolatedEnv(await target());
    mkdirSync(join(env.IPF_STATE_DIR, 'check-tcp-check.json'), { recursive: true });
    const path = installAlone('tcp-check');
    for (let run = 0; run < 3; run++) {
      const result = await runAsKeepalived(path, env);
      expect(result.code).toBe(0);
      expect(lines(result.stderr)).toEqual([
        expect.stringMatching(/^tcp-check: cannot write the status record .*check-tcp-check\.json: .*EISDIR/),
      ]);
    }
    expect(readdirSync(env.IPF_STATE_DIR)).toEqual(['check-tcp-check.json']);
  });
});

describe('hysteresis never fails open', () => {
  it.each([
    ['a negative streak', { passing: true, consecutive_failures: -1_000_000, consecutive_passes: 0 }],
    ['a fractional streak', { passing: true, consecutive_failures: 0.5, consecutive_passes: 0 }],
    ['a streak past its bound', { passing: true, consecutive_failures: 0, consecutive_passes: 1e15 }],
    ['both streaks at once', { passing: true, consecutive_failures: 1, consecutive_passes: 5 }],
  ])(
    '%s in the record is a fresh start: with IPF_CHECK_FALL=3 the third failing run fails',
    async (_, streak) => {
      const port = await closedPort();
      const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_CHECK_FALL: '3' });
      mkdirSync(env.IPF_STATE_DIR, { recursive: true });
      writeFileSync(
        join(env.IPF_STATE_DIR, 'check-tcp-check.json'),
        JSON.stringify({ check: 'tcp-check', ok: false, reason: '', duration_ms: 1, at: 1, ...streak }),
      );
      const path = installAlone('tcp-check');
      const codes = [];
      for (let run = 0; run < 3; run++) codes.push((await runAsKeepalived(path, env)).code);
      expect(codes).toEqual([0, 0, 1]);
    },
  );

  it('with the default IPF_CHECK_FALL=1 a corrupt record cannot mask the first failure', async () => {
    const port = await closedPort();
    const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}` });
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    writeFileSync(
      join(env.IPF_STATE_DIR, 'check-tcp-check.json'),
      JSON.stringify({ passing: true, consecutive_failures: -1_000_000, consecutive_passes: 0 }),
    );
    expectOneFailure(await runAsKeepalived(installAlone('tcp-check'), env), /^tcp-check: FAIL 127\.0\.0\.1/);
  });
});

describe('secrets are never written out', () => {
  const secret = 's3cret-VALUE-42';

  /** Every place a check writes: stdout, stderr, IPF_LOG_TO and the status record. */
  function everythingWritten(result: Exit, env: { IPF_STATE_DIR: string; IPF_LOG_TO: string }): string {
    const record = join(env.IPF_STATE_DIR, 'check-http-check.json');
    const log = existsSync(env.IPF_LOG_TO) ? readFileSync(env.IPF_LOG_TO, 'utf8') : '';
    return `${result.stdout}${result.stderr}${log}${existsSync(record) ? readFileSync(record, 'utf8') : ''}`;
  }

  it('credentials in IPF_HTTP_URL are refused without being echoed', async () => {
    const env = isolatedEnv({ IPF_HTTP_URL: `http://admin:${secret}@127.0.0.1:1/` });
    const path = installAlone('http-check');
    for (const argv of [[], ['--validate']]) {
      const result = await runAsKeepalived(path, env, argv);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('IPF_HTTP_URL: expected a URL without credentials');
      expect(result.stderr).toContain('http://<credentials hidden>@127.0.0.1:1/');
      expect(everythingWritten(result, env)).not.toContain(secret);
    }
  });

  it('Authorization, Cookie and IPF_HTTP_SECRET_HEADERS values are sent but never shown', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const url = await httpServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(503).end();
    });
    const env = isolatedEnv({
      IPF_HTTP_URL: `${url}/`,
      IPF_HTTP_HEADERS: `Authorization: Bearer ${secret}; Cookie: s=${secret}; X-Api-Key: ${secret}; X-Probe: ipft`,
      IPF_HTTP_SECRET_HEADERS: 'x-api-key',
    });
    const path = installAlone('http-check');
    const validate = await runAsKeepalived(path, env, ['--validate']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('X-Probe: ipft');
    expect(validate.stdout).toContain('Authorization: <hidden');
    const run = await runAsKeepalived(path, env);
    expectOneFailure(run, `http-check: FAIL GET ${url}/: status 503, expected 200-399`);
    expect(seen[0]).toMatchObject({ authorization: `Bearer ${secret}`, 'x-api-key': secret });
    expect(everythingWritten(validate, env) + everythingWritten(run, env)).not.toContain(secret);
  });

  it('a malformed header entry is named by position, never quoted', async () => {
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: 'http://127.0.0.1:1/', IPF_HTTP_HEADERS: `X-A: 1; Bearer ${secret}` }),
    );
    expectOneFailure(result, 'got entry 2 of 2, which has no colon');
    expect(result.stderr).not.toContain(secret);
  });

  it('IPF_HTTP_HEADER_FILES reads a header value from a mounted Secret file, and never shows it', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const url = await httpServer((request, response) => {
      seen.push(request.headers);
      response.end('ok');
    });
    const token = join(temporaryDirectory(), 'token');
    writeFileSync(token, `Bearer ${secret}\n`);
    const env = isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_HEADER_FILES: `Authorization: ${token}` });
    const path = installAlone('http-check');
    const run = await runAsKeepalived(path, env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(seen[0]?.authorization).toBe(`Bearer ${secret}`);
    const validate = await runAsKeepalived(path, env, ['--validate']);
    expect(validate.stdout).toContain(`Authorization: <hidden, ${`Bearer ${secret}`.length} characters>`);
    expect(everythingWritten(validate, env)).not.toContain(secret);
  });

  it('a header file that is a FIFO fails the run with one line, naming the file', async () => {
    const token = fifo(temporaryDirectory(), 'token');
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: 'http://127.0.0.1:1/', IPF_HTTP_HEADER_FILES: `Authorization: ${token}` }),
    );
    expectOneFailure(
      result,
      `http-check: FAIL IPF_HTTP_HEADER_FILES: expected a readable one-line regular file of at most 64 KiB for Authorization (${token} is a FIFO, not a regular file), got ${JSON.stringify(token)}`,
    );
  });
});

describe('OPENSHIFT_HA_CHECK_INTERVAL as keepalived reads it', () => {
  it.each(['3000000', '1.5', '0.2', '-1', 'two'])(
    '%s, which keepalived 2.2 ignores, is refused in one line',
    async (interval) => {
      const result = await runAsKeepalived(
        installAlone('tcp-check'),
        isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', OPENSHIFT_HA_CHECK_INTERVAL: interval }),
      );
      expectOneFailure(
        result,
        `tcp-check: FAIL OPENSHIFT_HA_CHECK_INTERVAL: expected a whole number of seconds from 1 to 4294 (keepalived 2.2 ignores any other interval), got ${JSON.stringify(interval)}`,
      );
    },
  );

  it.each([
    ['0', 700],
    ['1', 700],
    ['4294', 4293700],
  ])('%s gives a deadline of %i ms (keepalived turns 0 into 1)', async (interval, deadline) => {
    const result = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', OPENSHIFT_HA_CHECK_INTERVAL: interval }),
      ['--validate'],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`tcp-check: settings are valid; deadline ${deadline} ms`);
  });
});

describe('messages', () => {
  it('a 100 KB value is quoted at most 200 characters, once', async () => {
    const result = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', IPF_TCP_MODE: 'x'.repeat(100_000) }),
    );
    expectOneFailure(
      result,
      `tcp-check: FAIL IPF_TCP_MODE: expected one of all, any, got "${'x'.repeat(200)}"... (100000 characters)`,
    );
  });

  it('a newline in a value or in a server reply is escaped: the reason stays one line', async () => {
    const setting = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', IPF_TCP_MODE: 'all\nFAKE: injected' }),
    );
    expectOneFailure(setting, 'got "all\\nFAKE: injected"');
    const { port } = await tcpServer((socket) => socket.end('line one\nline two\r\n\u001b[31m'));
    const reply = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_TCP_EXPECT: 'never' }),
    );
    expectOneFailure(reply, 'received "line one\\nline two\\r\\n\\u001b[31m"');
  });

  it('stderr is whole on a pipe: 2,000 problem lines of --validate arrive, the last included', async () => {
    const unknown = Object.fromEntries(
      Array.from({ length: 2000 }, (_, index) => [
        `IPF_UNKNOWN_${String(index).padStart(4, '0')}_${'X'.repeat(40)}`,
        '1',
      ]),
    );
    const result = await runAsKeepalived(
      installAlone('tcp-check'),
      isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', ...unknown }),
      ['--validate'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr.length).toBeGreaterThan(64 * 1024);
    expect(lines(result.stderr)).toHaveLength(2000);
    expect(lines(result.stderr).at(-1)).toMatch(
      /^tcp-check: IPF_UNKNOWN_1999_X+: unknown setting; did you mean/,
    );
  });

  it('a run that exits 1 never says "still passing" (the record cannot be written)', async () => {
    const port = await closedPort();
    const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_CHECK_FALL: '3' });
    mkdirSync(join(env.IPF_STATE_DIR, 'check-tcp-check.json'), { recursive: true });
    const result = await runAsKeepalived(installAlone('tcp-check'), env);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `tcp-check: FAIL 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
      expect.stringMatching(/^tcp-check: cannot write the status record /),
    ]);
  });

  it('a pass held back by IPF_CHECK_RISE exits 1 with a line that says so', async () => {
    const port = await closedPort();
    const down = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_CHECK_RISE: '2' });
    const path = installAlone('tcp-check');
    expect((await runAsKeepalived(path, down)).code).toBe(1);
    const { port: open } = await tcpServer((socket) => socket.end());
    const up = { ...down, IPF_TCP_TARGETS: `127.0.0.1:${open}` };
    const held = await runAsKeepalived(path, up);
    expect(held.code).toBe(1);
    expect(lines(held.stderr)).toEqual([
      'tcp-check: PASS held back (pass 1 of IPF_CHECK_RISE=2, still failing)',
    ]);
    expect(readFileSync(up.IPF_LOG_TO, 'utf8')).toContain('PASS held back');
    expect(await runAsKeepalived(path, up)).toMatchObject({ code: 0, stderr: '' });
  });

  it('64 targets print no MaxListenersExceededWarning; 65 are refused', async () => {
    const { port } = await tcpServer((socket) => socket.end());
    const targets = (count: number) => Array.from({ length: count }, () => `127.0.0.1:${port}`).join(',');
    const path = installAlone('tcp-check');
    expect(await runAsKeepalived(path, isolatedEnv({ IPF_TCP_TARGETS: targets(64) }))).toMatchObject({
      code: 0,
      stderr: '',
    });
    expectOneFailure(
      await runAsKeepalived(path, isolatedEnv({ IPF_TCP_TARGETS: targets(65) })),
      'tcp-check: FAIL IPF_TCP_TARGETS: expected a comma-separated list of 1 to 64 entries, got 65 entries',
    );
  });
});

describe('HTTP bodies: read whole up to IPF_HTTP_MAX_BODY, whatever the settings', () => {
  it('a body cut short of its Content-Length fails, with no body regex set', async () => {
    const url = await httpServer((_, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('only ten..');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: `${url}/` }),
    );
    expectOneFailure(result, `http-check: FAIL GET ${url}/: body cut short: `);
  });

  it('a connection reset mid-body fails', async () => {
    const { port } = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: `http://127.0.0.1:${port}/` }),
    );
    expectOneFailure(result, `http-check: FAIL GET http://127.0.0.1:${port}/: body cut short: `);
  });

  it('a body that never ends fails as longer than IPF_HTTP_MAX_BODY, inside the deadline', async () => {
    const url = await httpServer((_, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'.repeat(64 * 1024)), 1);
      response.on('close', () => clearInterval(timer));
    });
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_MAX_BODY: '256KiB' }),
    );
    expectOneFailure(
      result,
      `http-check: FAIL GET ${url}/: body longer than IPF_HTTP_MAX_BODY (262144 bytes)`,
    );
  });

  it('a body of exactly IPF_HTTP_MAX_BODY passes', async () => {
    const url = await httpServer((_, response) => response.end('x'.repeat(1000)));
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_MAX_BODY: '1000' }),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('HEAD reads no body, even where the server announces one', async () => {
    const url = await httpServer((_, response) => {
      response.writeHead(200, { 'content-length': '1000000' });
      response.end();
    });
    const result = await runAsKeepalived(
      installAlone('http-check'),
      isolatedEnv({ IPF_HTTP_URL: `${url}/`, IPF_HTTP_METHOD: 'HEAD', IPF_HTTP_MAX_BODY: '10' }),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('an error that escapes every handler fails the run instead of killing it', () => {
  it('the runner reports it as one FAIL line and a record, and hysteresis counts it', async () => {
    const { runCheck } = await import('../core/probe.ts');
    const { tcpCheck } = await import('../checks/tcp/check.ts');
    const { port } = await tcpServer(() => {});
    const env = isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_TCP_EXPECT: 'never' });
    const crashed = new AbortController();
    const stderr: string[] = [];
    setTimeout(() => crashed.abort(new Error("Unhandled 'error' event")), 50);
    const code = await runCheck(tcpCheck, {
      argv: [],
      env,
      crashed: crashed.signal,
      stderr: (line) => stderr.push(line),
    });
    expect(code).toBe(1);
    expect(stderr).toEqual([
      `tcp-check: FAIL internal error while waiting for /never/ from 127.0.0.1:${port}: Unhandled 'error' event`,
    ]);
    expect(readOutputs('tcp-check', env).record).toMatchObject({ ok: false, consecutive_failures: 1 });
  });
});
