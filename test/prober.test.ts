// The resident prober, the built bundle run as its own process, rung by raw Node clients and
// by verdict.sh, against real loopback targets (the hostile servers of the http-check tests included)
// and a real state directory. Its counters are read from prober.json, as the exporter reads them.
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProber } from '../checks/prober/prober.ts';
import { tcpCheck } from '../checks/tcp/check.ts';
import type { Check } from '../core/probe.ts';
import { PROBER_HEARTBEAT_MS, REQUEST_MAX_BYTES } from '../core/prober-protocol.ts';
import type { Env, SettingSpec } from '../core/settings.ts';
import { makePki, type Pki } from '../testkit/pki.ts';
import {
  closedPort,
  listenOnLoopback as listen,
  onCleanup,
  suiteDirectory,
  tcpServer,
} from './support/harness.ts';
import {
  ask,
  eventually,
  freshNonce,
  lines,
  makePod,
  type Pod,
  proberAtStart,
  proberRecord,
  readText,
  refusedAtStart,
  runVerdict,
  STAMP,
  startProber,
  switchableTcpTarget,
  tcpCheckPod,
  tcpCheckProber,
  verdictEnv,
  verdictFiles,
} from './support/prober.ts';

const request = (pod: Pod, nonce: string, checks = 'tcp-check', budgetMs = 1900) =>
  `ipft2 ${pod.uid} ${checks} ${nonce} ${budgetMs}\n`;
const verdictOf = (pod: Pod, nonce: string) => readText(join(pod.stateDir, `verdict-${nonce}`));

/** An HTTP server that counts the requests it sees: the application, as the probes reach it. */
async function countingApplication(): Promise<{ url: string; requests(): number }> {
  let requests = 0;
  const port = await listen(
    createHttpServer((_, response) => {
      requests += 1;
      response.end('ok');
    }),
  );
  return { url: `http://127.0.0.1:${port}/`, requests: () => requests };
}

describe('the protocol: a doorbell on 127.0.0.1 and a verdict file in the pod’s directory', () => {
  it('answers an ipft2 request with `ready <nonce>` and writes the verdict file', async () => {
    const { pod, target: app } = await tcpCheckPod();
    const nonce = freshNonce();
    expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
    expect(verdictOf(pod, nonce)).toBe(`ipft2 ${pod.uid} tcp-check ${nonce} pass\n`);
    app.set('down');
    const failing = freshNonce();
    expect(await ask(pod.port, request(pod, failing))).toBe(`ready ${failing}\n`);
    expect(verdictOf(pod, failing)).toBe(
      `ipft2 ${pod.uid} tcp-check ${failing} fail tcp-check: 127.0.0.1:${app.port}: closed before /^up/ matched; received "down\\n"\n`,
    );
  });

  it('refuses another pod, an unknown version and anything malformed, and counts each', async () => {
    const { pod } = await tcpCheckPod();
    const nonce = freshNonce();
    const refusals: [string, string][] = [
      [`ipft2 0badc0de-1 tcp-check ${nonce} 1900\n`, 'refused this prober serves another pod\n'],
      [
        `ipft9 ${pod.uid} tcp-check ${nonce} 1900\n`,
        'refused unknown protocol version "ipft9"; this prober speaks ipft2\n',
      ],
      // No release spoke ipft1; a client in it is refused as any other version is.
      [
        `ipft1 ${pod.uid} tcp-check ${nonce}\n`,
        'refused unknown protocol version "ipft1"; this prober speaks ipft2\n',
      ],
      ['GET / HTTP/1.1\r\n', 'refused unknown protocol version "GET"; this prober speaks ipft2\n'],
      [
        `\u001b[2J${'x'.repeat(40)} ${pod.uid}\n`,
        `refused unknown protocol version "\\u001b[2Jxxxxxxxxxxxxxxxx"; this prober speaks ipft2\n`,
      ],
      [`ipft2 ${pod.uid} tcp-check ${nonce}\n`, 'refused malformed ipft2 request\n'],
      [`ipft2 ${pod.uid} tcp-check ../../etc 1900\n`, 'refused malformed ipft2 request\n'],
      [`ipft2 ${pod.uid} nope ${nonce} 1900\n`, 'refused unknown check in "nope"\n'],
      [
        `ipft2 ${pod.uid} http-check ${nonce} 1900\n`,
        'refused http-check not in IPF_CHECKS of this prober\n',
      ],
      [`ipft2 ${pod.uid} ${'x'.repeat(REQUEST_MAX_BYTES)}`, 'refused request line too long\n'],
    ];
    for (const [line, reply] of refusals) expect(await ask(pod.port, line)).toBe(reply);
    expect(verdictFiles(pod)).toEqual([]);
    const record = await eventually(
      () => {
        const current = proberRecord(pod);
        return current && current.requests >= refusals.length ? current : undefined;
      },
      PROBER_HEARTBEAT_MS * 3,
      'prober.json to count the refusals',
    );
    expect(record).toMatchObject({
      requests: refusals.length,
      refused: { identity: 1, version: 4, malformed: 3, check: 2 },
      probes: {},
      checks: ['tcp-check'],
      port: pod.port,
    });
  });

  it('a client that never sends its line is closed after 2 s, and holds nothing', async () => {
    const { pod } = await tcpCheckPod();
    const started = Date.now();
    expect(await ask(pod.port, '', 10_000)).toBe('');
    expect(Date.now() - started).toBeLessThan(5000);
    const nonce = freshNonce();
    expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
  });

  it('removes each verdict file after its time, and a previous process’s left-overs at start', async () => {
    const pod = await makePod();
    const old = join(pod.stateDir, 'verdict-111');
    const recent = join(pod.stateDir, 'verdict-222');
    writeFileSync(old, 'ipft2 x tcp-check 111 pass\n');
    writeFileSync(recent, 'ipft2 x tcp-check 222 pass\n');
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(old, hourAgo, hourAgo);
    const app = await switchableTcpTarget();
    await tcpCheckProber(pod, app.port);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    const nonce = freshNonce();
    expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
    expect(verdictOf(pod, nonce)).toBeDefined();
    // Swept every 5 s, once 5 s old: gone within two sweeps.
    await eventually(() => (verdictOf(pod, nonce) === undefined ? true : undefined), 12_000, 'the sweep');
  }, 20_000);
});

describe('one probe per check per gap, whatever the number of clients', () => {
  it('50 raw clients at once: each a whole, correct answer, and the application sees at most 2 probes', async () => {
    const pod = await makePod();
    const app = await countingApplication();
    await startProber(pod, { IPF_CHECKS: 'http-check', IPF_HTTP_URL: app.url, IPF_PROBER_MIN_GAP_MS: '500' });
    const nonces = Array.from({ length: 50 }, freshNonce);
    const replies = await Promise.all(
      nonces.map((nonce) => ask(pod.port, request(pod, nonce, 'http-check'))),
    );
    expect(replies).toEqual(nonces.map((nonce) => `ready ${nonce}\n`));
    expect(nonces.map((nonce) => verdictOf(pod, nonce))).toEqual(
      nonces.map((nonce) => `ipft2 ${pod.uid} http-check ${nonce} pass\n`),
    );
    expect(app.requests()).toBeGreaterThanOrEqual(1);
    expect(app.requests()).toBeLessThanOrEqual(2);
  });

  it('50 verdict.sh runs at once all pass, and the application sees at most 2 probes', async () => {
    const pod = await makePod();
    const app = await countingApplication();
    await startProber(pod, { IPF_CHECKS: 'http-check', IPF_HTTP_URL: app.url, IPF_PROBER_MIN_GAP_MS: '500' });
    const env = verdictEnv(pod, { OPENSHIFT_HA_CHECK_INTERVAL: '2' });
    const runs = await Promise.all(Array.from({ length: 50 }, () => runVerdict(env, ['http-check'])));
    expect(runs.map(({ code, stderr }) => ({ code, stderr }))).toEqual(
      runs.map(() => ({ code: 0, stderr: '' })),
    );
    for (const run of runs) expect(run.elapsedMs).toBeLessThan(2000);
    expect(app.requests()).toBeGreaterThanOrEqual(1);
    expect(app.requests()).toBeLessThanOrEqual(2);
  }, 30_000);

  it('with IPF_PROBER_MIN_GAP_MS a request inside the gap shares the last result', async () => {
    const pod = await makePod();
    const app = await countingApplication();
    await startProber(pod, {
      IPF_CHECKS: 'http-check',
      IPF_HTTP_URL: app.url,
      IPF_PROBER_MIN_GAP_MS: '10000',
    });
    for (let index = 0; index < 5; index += 1) {
      const nonce = freshNonce();
      expect(await ask(pod.port, request(pod, nonce, 'http-check'))).toBe(`ready ${nonce}\n`);
    }
    expect(app.requests()).toBe(1);
  });
});

describe('settings and failures', () => {
  const checkNames = 'tcp-check, http-check, externalip-check';

  it('bad settings exit 1 at start, with one line per setting', async () => {
    const cases: [Env, string[]][] = [
      [
        { IPF_TCP_TARGETS: '127.0.0.1:1' },
        [`prober: IPF_CHECKS: expected a comma list of ${checkNames}, got nothing`],
      ],
      [
        { IPF_CHECKS: 'tcp-check', IPF_TCP_TARGETS: '127.0.0.1:1', IPF_POD_UID: '' },
        [
          'prober: IPF_POD_UID: expected the pod UID from the downward API (fieldRef metadata.uid), got nothing',
        ],
      ],
      [
        { IPF_CHECKS: 'nope' },
        [`prober: IPF_CHECKS: expected one of ${checkNames}, got "nope" (entry 1 of 1)`],
      ],
      [
        { IPF_CHECKS: 'http-check', IPF_HTTP_URL: 'ftp://127.0.0.1/' },
        [
          'prober: http-check: IPF_HTTP_URL: expected an http:// or https:// URL, got "ftp://127.0.0.1/" (entry 1 of 1)',
        ],
      ],
      [
        { IPF_CHECKS: 'tcp-check', IPF_TCP_TARGETS: '127.0.0.1:1', IPF_POD_UID: 'Not A UID!' },
        [
          'prober: IPF_POD_UID: expected the pod UID from the downward API (fieldRef metadata.uid), got "Not A UID!"',
        ],
      ],
    ];
    for (const [env, expected] of cases) {
      const pod = await makePod();
      const exit = await proberAtStart(pod, env);
      expect({ code: exit.code, lines: lines(exit.stderr) }).toEqual({ code: 1, lines: expected });
      expect(existsSync(join(pod.stateDir, 'prober.json'))).toBe(false);
    }
  });

  it('many bad settings at once: each named once, a setting every check reads too', async () => {
    const stderr = await refusedAtStart({
      IPF_CHECKS: 'tcp-check,http-check',
      IPF_POD_UID: 'Not A UID!',
      IPF_PROBER_PORT: '0',
      IPF_PROBER_MIN_GAP_MS: '-1',
      IPF_PROBER_DRAIN_S: 'soon',
      OPENSHIFT_HA_CHECK_INTERVAL: 'x',
      IPF_CHECK_FALL: '0',
      IPF_HTTP_URL: 'ftp://127.0.0.1/',
      IPF_TCP_TARGETS: 'no-port',
      IPF_TCP_TARGET: '127.0.0.1:1',
    });
    const named = lines(stderr).map((line) => /^prober: (?:[a-z-]+: )?([A-Z_]+):/.exec(line)?.[1]);
    expect(named.sort()).toEqual(
      [
        'IPF_CHECK_FALL',
        'IPF_HTTP_URL',
        'IPF_POD_UID',
        'IPF_PROBER_DRAIN_S',
        'IPF_PROBER_MIN_GAP_MS',
        'IPF_PROBER_PORT',
        'IPF_TCP_TARGET',
        'IPF_TCP_TARGETS',
        'OPENSHIFT_HA_CHECK_INTERVAL',
      ].sort(),
    );
    expect(stderr).toContain('prober: IPF_TCP_TARGET: unknown setting; did you mean IPF_TCP_TARGETS?');
  });

  it('a port already taken exits 1 with one line', async () => {
    const { port } = await tcpServer(() => {});
    const stderr = await refusedAtStart({
      IPF_CHECKS: 'tcp-check',
      IPF_TCP_TARGETS: '127.0.0.1:1',
      IPF_PROBER_PORT: String(port),
    });
    expect(lines(stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`^prober: cannot listen on 127\\.0\\.0\\.1:${port} \\(IPF_PROBER_PORT\\): .*EADDRINUSE`),
      ),
    ]);
  });

  it('a failing target never stops it: after failing probes it still answers', async () => {
    const pod = await makePod();
    const down = await closedPort();
    const prober = await startProber(pod, {
      IPF_CHECKS: 'tcp-check',
      IPF_TCP_TARGETS: `127.0.0.1:${down}`,
      IPF_PROBER_MIN_GAP_MS: '0',
    });
    for (let index = 0; index < 5; index += 1) {
      const nonce = freshNonce();
      expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
      expect(verdictOf(pod, nonce)).toMatch(
        new RegExp(
          `^ipft2 ${pod.uid} tcp-check ${nonce} fail tcp-check: 127\\.0\\.0\\.1:${down}: .*ECONNREFUSED`,
        ),
      );
    }
    const run = await runVerdict(verdictEnv(pod));
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^verdict\.sh: FAIL tcp-check: .*ECONNREFUSED/),
    ]);
    expect(prober.child.exitCode).toBe(null);
    const record = await eventually(() => {
      const current = proberRecord(pod);
      return (current?.probes['tcp-check'] ?? 0) >= 6 ? current : undefined;
    }, PROBER_HEARTBEAT_MS * 3);
    expect(record.refused).toEqual({ version: 0, identity: 0, malformed: 0, check: 0 });
  });

  it('an error that escaped every handler fails the probe in flight, and the prober serves on (in-process)', async () => {
    const pod = await makePod();
    // Connects, then waits for `up` that never comes: the probe stays in flight until its deadline.
    const { port } = await tcpServer(() => {});
    const logged: string[] = [];
    const prober = createProber({
      checks: new Map([['tcp-check', tcpCheck as Check<SettingSpec, unknown>]]),
      env: {
        IPF_STATE_DIR: pod.stateDir,
        IPF_LOG_TO: pod.proberLog,
        IPF_TCP_TARGETS: `127.0.0.1:${port}`,
        IPF_TCP_EXPECT: '^up',
      },
      podUid: pod.uid,
      stateDir: pod.stateDir,
      minGapMs: 0,
      log: (line) => logged.push(line),
    });
    await prober.listen(pod.port);
    onCleanup(() => prober.close());
    const nonce = freshNonce();
    const answer = ask(pod.port, request(pod, nonce));
    await eventually(() => (prober.counters.probes['tcp-check'] === 1 ? true : undefined));
    prober.crash(new Error('boom'));
    expect(await answer).toBe(`ready ${nonce}\n`);
    expect(verdictOf(pod, nonce)).toMatch(
      new RegExp(`^ipft2 ${pod.uid} tcp-check ${nonce} fail tcp-check: internal error .*: boom\n$`),
    );
    const next = freshNonce();
    expect(await ask(pod.port, request(pod, next, 'tcp-check', 400))).toBe(`ready ${next}\n`);
    expect(verdictOf(pod, next)).toMatch(/ fail tcp-check: timed out after 300 ms /);
    expect(prober.counters).toMatchObject({ requests: 2, probes: { 'tcp-check': 2 } });
    expect(logged).toEqual([
      expect.stringMatching(/^tcp-check: FAIL internal error .*: boom$/),
      expect.stringMatching(/^tcp-check: FAIL timed out after 300 ms /),
    ]);
  });

  it('writes a reason line to IPF_LOG_TO only when a result changes', async () => {
    const { pod, target: app, prober } = await tcpCheckPod();
    const probe = async () => {
      const nonce = freshNonce();
      expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
    };
    const logged = () => lines(readText(pod.proberLog) ?? '').map((line) => line.replace(STAMP, ''));
    const down = `tcp-check: FAIL 127.0.0.1:${app.port}: closed before /^up/ matched; received`;
    await probe();
    // A first pass changes nothing: no line.
    expect(logged()).toEqual([]);
    app.set('down');
    for (let index = 0; index < 4; index += 1) await probe();
    expect(logged()).toEqual([`${down} "down\\n"`]);
    app.set('up');
    for (let index = 0; index < 3; index += 1) await probe();
    expect(logged()).toEqual([`${down} "down\\n"`, 'tcp-check: PASS again']);
    app.set('sick');
    await probe();
    app.set('down');
    await probe();
    await probe();
    expect(logged()).toEqual([
      `${down} "down\\n"`,
      'tcp-check: PASS again',
      `${down} "sick\\n"`,
      `${down} "down\\n"`,
    ]);
    for (const line of lines(readText(pod.proberLog) ?? '')) expect(line).toMatch(STAMP);
    expect(lines(prober.stderr())).toEqual([`prober: listening on 127.0.0.1:${pod.port}`, ...logged()]);
  });
});

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The hostile servers of test/http-check.test.ts, behind the prober: each probe ends inside its deadline. */
describe('the prober against hostile servers: verdict.sh exits 1 before the interval, with the reason', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki(suiteDirectory());
  });
  const ok: Handler = (_, response) => response.end('status: ready\n');
  const httpServer = async (handler: Handler) =>
    `http://127.0.0.1:${await listen(createHttpServer(handler))}/`;
  const httpsServer = async (pair: { cert: Buffer; key: Buffer }) =>
    `https://127.0.0.1:${await listen(createHttpsServer({ cert: pair.cert, key: pair.key }, ok))}/`;
  const raw = async (onConnection: Parameters<typeof tcpServer>[0]) =>
    `http://127.0.0.1:${(await tcpServer(onConnection)).port}/`;

  const cases: [string, () => Promise<Env>, RegExp][] = [
    [
      'a listener that accepts and never answers',
      async () => ({ IPF_HTTP_URL: await raw(() => {}) }),
      /timed out after \d+ ms while waiting for the response headers of GET/,
    ],
    [
      'headers that never finish',
      async () => ({ IPF_HTTP_URL: await raw((socket) => socket.write('HTTP/1.1 200 OK\r\nX-Slow: ')) }),
      /timed out after \d+ ms while waiting for the response headers/,
    ],
    [
      'a body that never ends',
      async () => ({
        IPF_HTTP_URL: await raw((socket) =>
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nstatus: '),
        ),
        IPF_HTTP_BODY_REGEX: 'ready',
      }),
      /timed out after \d+ ms while reading the body of GET/,
    ],
    [
      'a 10 MB header',
      async () => ({
        IPF_HTTP_URL: await raw((socket) =>
          socket.write(`HTTP/1.1 200 OK\r\nX-Huge: ${'a'.repeat(10 * 1024 * 1024)}\r\n\r\n`),
        ),
      }),
      /response headers larger than 16 KiB/,
    ],
    [
      'a connection reset mid-response',
      async () => ({
        IPF_HTTP_URL: await raw((socket) =>
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', () =>
            socket.resetAndDestroy(),
          ),
        ),
        IPF_HTTP_BODY_REGEX: 'x',
      }),
      /ECONNRESET|other side closed|terminated/,
    ],
    [
      'a redirect loop',
      async () => ({
        IPF_HTTP_URL: `${await httpServer((request, response) =>
          response.writeHead(302, { location: request.url ?? '/' }).end(),
        )}loop`,
        IPF_HTTP_FOLLOW_REDIRECTS: 'true',
      }),
      /more than 5 redirects/,
    ],
    [
      'a closed port',
      async () => ({ IPF_HTTP_URL: `http://127.0.0.1:${await closedPort()}/` }),
      /connect ECONNREFUSED/,
    ],
    [
      'a 500 status',
      async () => ({ IPF_HTTP_URL: await httpServer((_, response) => response.writeHead(500).end('boom')) }),
      /: status 500, expected 200-399/,
    ],
    [
      'a self-signed chain without IPF_HTTP_CA_FILE (the system CAs)',
      async () => ({ IPF_HTTP_URL: await httpsServer(pki.good) }),
      /unable to verify the first certificate|self.signed|unable to get local issuer/i,
    ],
    [
      'a certificate signed by the wrong CA',
      async () => ({ IPF_HTTP_URL: await httpsServer(pki.wrongCa), IPF_HTTP_CA_FILE: pki.caFile }),
      /unable to verify the first certificate|unable to get local issuer/,
    ],
    [
      'a certificate with the wrong name',
      async () => ({ IPF_HTTP_URL: await httpsServer(pki.wrongName), IPF_HTTP_CA_FILE: pki.caFile }),
      /IP: 127\.0\.0\.1 is not in the cert's list/,
    ],
    [
      'an expired certificate',
      async () => ({ IPF_HTTP_URL: await httpsServer(pki.expired), IPF_HTTP_CA_FILE: pki.caFile }),
      /certificate has expired/,
    ],
  ];

  for (const [name, settings, reason] of cases) {
    it(name, async () => {
      const pod = await makePod();
      // The prober's own deadline (interval 2: 1700 ms) is longer than the client's budget (interval 1):
      // the budget the request carries must end the probe in time.
      await startProber(pod, {
        IPF_CHECKS: 'http-check',
        IPF_PROBER_MIN_GAP_MS: '0',
        OPENSHIFT_HA_CHECK_INTERVAL: '2',
        ...(await settings()),
      });
      const run = await runVerdict(verdictEnv(pod, { OPENSHIFT_HA_CHECK_INTERVAL: '1' }), ['http-check']);
      expect(run.code).toBe(1);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(/^verdict\.sh: FAIL http-check: /)]);
      expect(run.stderr).toMatch(reason);
      expect(run.elapsedMs).toBeLessThan(1000);
      // And it answers the next one just the same.
      const nonce = freshNonce();
      expect(await ask(pod.port, request(pod, nonce, 'http-check', 900))).toBe(`ready ${nonce}\n`);
      expect(verdictOf(pod, nonce)).toMatch(/ fail http-check: /);
    });
  }

  it('a healthy https server with the right CA passes (the TLS settings reach the prober)', async () => {
    const pod = await makePod();
    await startProber(pod, {
      IPF_CHECKS: 'http-check',
      IPF_HTTP_URL: await httpsServer(pki.good),
      IPF_HTTP_CA_FILE: pki.caFile,
    });
    expect(await runVerdict(verdictEnv(pod), ['http-check'])).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('SIGTERM', () => {
  it('keeps answering for IPF_PROBER_DRAIN_S, then exits 0 and leaves no verdict file', async () => {
    const { pod, prober } = await tcpCheckPod({ IPF_PROBER_DRAIN_S: '2' });
    const sent = Date.now();
    prober.child.kill('SIGTERM');
    expect(await runVerdict(verdictEnv(pod))).toMatchObject({ code: 0, stderr: '' });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const nonce = freshNonce();
    expect(await ask(pod.port, request(pod, nonce))).toBe(`ready ${nonce}\n`);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await prober.exited).toEqual({ code: 0, signal: null });
    const exitedAfter = Date.now() - sent;
    expect(exitedAfter).toBeGreaterThanOrEqual(2000);
    expect(exitedAfter).toBeLessThan(5000);
    expect(prober.stderr()).toContain(
      'prober: SIGTERM; answering for 2 s more, so that keepalived can resign first\n',
    );
    expect(verdictFiles(pod)).toEqual([]);
    const after = await runVerdict(verdictEnv(pod));
    expect(lines(after.stderr)).toEqual([
      `verdict.sh: FAIL no prober on 127.0.0.1:${pod.port}: is the ipft-prober container running?`,
    ]);
  });

  it('a SIGTERM as soon as it says it listens is drained, never the default action', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const pod = await makePod();
      const prober = await startProber(pod, {
        IPF_CHECKS: 'tcp-check',
        IPF_TCP_TARGETS: '127.0.0.1:1',
        IPF_PROBER_DRAIN_S: '0',
      });
      prober.child.kill('SIGTERM');
      expect(await prober.exited).toEqual({ code: 0, signal: null });
      expect(prober.stderr()).toContain('prober: SIGTERM; answering for 0 s more');
    }
  });
});
