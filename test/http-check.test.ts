import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpCheck } from '../checks/http/check.ts';
import { type KeyPair, makePki, type Pki } from '../testkit/pki.ts';
import {
  closedPort,
  isolatedEnv,
  listenOnLoopback as listen,
  runInProcess,
  suiteDirectory,
  tcpServer,
} from './support/harness.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function httpServer(handler: Handler): Promise<string> {
  return `http://127.0.0.1:${await listen(createHttpServer(handler))}`;
}

async function httpsServer(pair: KeyPair, handler: Handler, extra: object = {}): Promise<string> {
  return `https://127.0.0.1:${await listen(createHttpsServer({ cert: pair.cert, key: pair.key, ...extra }, handler))}`;
}

const ok: Handler = (_, response) => response.end('status: ready\n');
const deadline = { IPF_CHECK_TIMEOUT_MS: '600' };

/** Runs the check and asserts the hostile case failed, within the deadline, with a reason naming it. */
async function expectFailure(env: Record<string, string>, reason: string | RegExp) {
  const result = await runInProcess(httpCheck, isolatedEnv({ ...deadline, ...env }));
  expect(result.code).toBe(1);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(reason);
  expect(result.elapsedMs).toBeLessThan(600 + 300);
  expect(result.record).toMatchObject({ ok: false, passing: false });
  return result;
}

describe('http-check against well-behaved servers', () => {
  it('passes on 200 and sends the method, headers and Host', async () => {
    let seen: IncomingMessage | undefined;
    const url = await httpServer((request, response) => {
      seen = request;
      response.end('ok');
    });
    const result = await runInProcess(
      httpCheck,
      isolatedEnv({
        IPF_HTTP_URL: `${url}/healthz?full=1`,
        IPF_HTTP_HEADERS: 'X-Probe: ipft; Accept: text/plain',
        IPF_HTTP_HOST: 'app.example.com',
      }),
    );
    expect(result.code).toBe(0);
    expect(seen?.url).toBe('/healthz?full=1');
    expect(seen?.headers).toMatchObject({ host: 'app.example.com', 'x-probe': 'ipft', accept: 'text/plain' });
  });

  it('checks every URL of the list', async () => {
    const good = await httpServer(ok);
    const bad = await httpServer((_, response) => response.writeHead(503).end());
    await expectFailure(
      { IPF_HTTP_URL: `${good}/,${bad}/` },
      `http-check: FAIL GET ${bad}/: status 503, expected 200-399`,
    );
  });

  it('accepts status lists and ranges', async () => {
    const url = await httpServer((_, response) => response.writeHead(204).end());
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_STATUS: '200,204' }))).code,
    ).toBe(0);
    await expectFailure({ IPF_HTTP_URL: url, IPF_HTTP_STATUS: '200' }, /status 204, expected 200$/);
  });

  it('matches the body against IPF_HTTP_BODY_REGEX and IPF_HTTP_BODY_NOT_REGEX', async () => {
    const url = await httpServer(ok);
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_BODY_REGEX: 'ready' }))).code,
    ).toBe(0);
    await expectFailure({ IPF_HTTP_URL: url, IPF_HTTP_BODY_REGEX: '^OK$' }, /body does not match \/\^OK\$\//);
    await expectFailure({ IPF_HTTP_URL: url, IPF_HTTP_BODY_NOT_REGEX: 'ready' }, /body matches \/ready\//);
  });

  it('fails a body longer than IPF_HTTP_MAX_BODY, and says so', async () => {
    const url = await httpServer((_, response) => response.end(`${'x'.repeat(100)}MARKER`));
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_BODY_REGEX: 'MARKER' }))).code,
    ).toBe(0);
    await expectFailure(
      { IPF_HTTP_URL: url, IPF_HTTP_BODY_REGEX: 'MARKER', IPF_HTTP_MAX_BODY: '100' },
      `http-check: FAIL GET ${url}/: body longer than IPF_HTTP_MAX_BODY (100 bytes)`,
    );
  });

  it('sends HEAD', async () => {
    let method = '';
    const url = await httpServer((request, response) => {
      method = request.method ?? '';
      response.end();
    });
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_METHOD: 'HEAD' }))).code,
    ).toBe(0);
    expect(method).toBe('HEAD');
  });

  it('does not follow redirects unless asked, and follows them when asked', async () => {
    const target = await httpServer(ok);
    const url = await httpServer((_, response) => response.writeHead(302, { location: `${target}/` }).end());
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_STATUS: '200' }))).code,
    ).toBe(1);
    const followed = await runInProcess(
      httpCheck,
      isolatedEnv({
        IPF_HTTP_URL: url,
        IPF_HTTP_STATUS: '200',
        IPF_HTTP_FOLLOW_REDIRECTS: 'true',
        IPF_HTTP_BODY_REGEX: 'ready',
      }),
    );
    expect(followed.code).toBe(0);
  });
});

describe('http-check against hostile servers: each fails within the deadline and never passes', () => {
  it('a listener that accepts and never answers', async () => {
    const { port } = await tcpServer(() => {});
    await expectFailure(
      { IPF_HTTP_URL: `http://127.0.0.1:${port}/` },
      `http-check: FAIL timed out after 600 ms while waiting for the response headers of GET http://127.0.0.1:${port}/`,
    );
  });

  it('headers that never finish', async () => {
    const { port } = await tcpServer((socket) => socket.write('HTTP/1.1 200 OK\r\nX-Slow: '));
    await expectFailure(
      { IPF_HTTP_URL: `http://127.0.0.1:${port}/` },
      /timed out after 600 ms while waiting for the response headers/,
    );
  });

  it('a body that never ends', async () => {
    const { port } = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nstatus: ');
    });
    await expectFailure(
      { IPF_HTTP_URL: `http://127.0.0.1:${port}/`, IPF_HTTP_BODY_REGEX: 'ready' },
      /timed out after 600 ms while reading the body of GET/,
    );
  });

  it('a 10 MB header', async () => {
    const { port } = await tcpServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nX-Huge: ${'a'.repeat(10 * 1024 * 1024)}\r\n\r\n`);
    });
    await expectFailure({ IPF_HTTP_URL: `http://127.0.0.1:${port}/` }, /response headers larger than 16 KiB/);
  });

  it('a connection reset mid-response', async () => {
    const { port } = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', () => socket.resetAndDestroy());
    });
    await expectFailure(
      { IPF_HTTP_URL: `http://127.0.0.1:${port}/`, IPF_HTTP_BODY_REGEX: 'x' },
      /ECONNRESET|other side closed|terminated/,
    );
  });

  it('a redirect loop', async () => {
    const url = await httpServer((request, response) =>
      response.writeHead(302, { location: request.url ?? '/' }).end(),
    );
    await expectFailure(
      { IPF_HTTP_URL: `${url}/loop`, IPF_HTTP_FOLLOW_REDIRECTS: 'true' },
      /more than 5 redirects/,
    );
  });

  it('a closed port', async () => {
    const port = await closedPort();
    await expectFailure({ IPF_HTTP_URL: `http://127.0.0.1:${port}/` }, /connect ECONNREFUSED/);
  });

  it('a 500 status', async () => {
    const url = await httpServer((_, response) => response.writeHead(500).end('boom'));
    await expectFailure(
      { IPF_HTTP_URL: `${url}/` },
      `http-check: FAIL GET ${url}/: status 500, expected 200-399`,
    );
  });

  it('a body that fails its regex', async () => {
    const url = await httpServer((_, response) => response.end('status: degraded'));
    await expectFailure(
      { IPF_HTTP_URL: `${url}/`, IPF_HTTP_BODY_REGEX: 'status: ready' },
      /body does not match/,
    );
  });
});

describe('http-check over real TLS with generated certificates', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki(suiteDirectory());
  });

  it('passes with the right CA and name', async () => {
    const url = await httpsServer(pki.good, ok);
    const result = await runInProcess(
      httpCheck,
      isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile }),
    );
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('verifies against the system CAs without IPF_HTTP_CA_FILE', async () => {
    const url = await httpsServer(pki.good, ok);
    await expectFailure(
      { IPF_HTTP_URL: url },
      /unable to verify the first certificate|self.signed|unable to get local issuer/i,
    );
  });

  it('a certificate signed by the wrong CA', async () => {
    const url = await httpsServer(pki.wrongCa, ok);
    await expectFailure(
      { IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile },
      /unable to verify the first certificate|unable to get local issuer/,
    );
  });

  it('a certificate with the wrong name', async () => {
    const url = await httpsServer(pki.wrongName, ok);
    await expectFailure(
      { IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile },
      /IP: 127\.0\.0\.1 is not in the cert's list/,
    );
    await expectFailure(
      { IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile, IPF_HTTP_SERVER_NAME: 'localhost' },
      /Host: localhost\. is not in the cert's altnames: DNS:other\.example/,
    );
  });

  it('an expired certificate', async () => {
    const url = await httpsServer(pki.expired, ok);
    await expectFailure({ IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile }, /certificate has expired/);
  });

  it('IPF_HTTP_INSECURE=true skips verification', async () => {
    const url = await httpsServer(pki.expired, ok);
    expect(
      (await runInProcess(httpCheck, isolatedEnv({ IPF_HTTP_URL: url, IPF_HTTP_INSECURE: 'true' }))).code,
    ).toBe(0);
  });

  it('sends the Host header as the server name', async () => {
    let servername: string | undefined;
    const url = await httpsServer(pki.wrongName, (request, response) => {
      servername = (request.socket as { servername?: string }).servername;
      response.end();
    });
    const env = { IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile, IPF_HTTP_HOST: 'other.example' };
    const result = await runInProcess(httpCheck, isolatedEnv(env));
    expect(result.stderr).toEqual([]);
    expect(servername).toBe('other.example');
  });

  it('presents a client certificate when the server requires one', async () => {
    const url = await httpsServer(pki.good, ok, {
      ca: readFileSync(pki.caFile),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const env = { IPF_HTTP_URL: url, IPF_HTTP_CA_FILE: pki.caFile };
    const withCert = {
      ...env,
      IPF_HTTP_CERT_FILE: pki.client.certFile,
      IPF_HTTP_KEY_FILE: pki.client.keyFile,
    };
    expect((await runInProcess(httpCheck, isolatedEnv(withCert))).code).toBe(0);
    await expectFailure(env, /certificate required|socket hang up|other side closed|ECONNRESET|alert/i);
  });

  it('needs both the client certificate and its key', async () => {
    const result = await runInProcess(
      httpCheck,
      isolatedEnv({ IPF_HTTP_URL: 'https://127.0.0.1:1/', IPF_HTTP_CERT_FILE: pki.client.certFile }),
    );
    expect(result.stderr).toEqual([
      'http-check: FAIL IPF_HTTP_KEY_FILE: expected a file path, since a client certificate needs both a certificate and a key, got nothing',
    ]);
  });
});
