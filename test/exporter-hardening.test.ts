// What hostile testing found in the exporter, each against the built bundle or the real app
// on real files: FIFOs made with mkfifo, symlinks to /dev/zero, an occupied port, a connection flood.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricNames } from '../exporter/metric-names.ts';
import { MAX_LINE_BYTES, SpoolReader } from '../exporter/spool.ts';
import {
  append,
  exitCode,
  freePort,
  get,
  inProcessExporter,
  masterCount,
  sample,
  samplesOf,
  seriesTotal,
  spawnExporter,
  spoolDir,
  startExporter,
  transitionLine,
  waitFor,
} from './support/exporter.ts';
import { onCleanup, temporaryDirectory } from './support/harness.ts';

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

function statusRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    check: 'tcp-check',
    ok: true,
    reason: '',
    duration_ms: 12,
    at: 1795650000.5,
    passing: true,
    consecutive_failures: 0,
    consecutive_passes: 4,
    ...overrides,
  };
}

/** Replaced by temp file and rename, as a check writes it: each write is a new version of the file. */
function writeRecord(dir: string, name: string, contents: string): void {
  writeFileSync(join(dir, `${name}.tmp`), contents);
  renameSync(join(dir, `${name}.tmp`), join(dir, name));
}

const transitionsTotal = (metrics: string) => seriesTotal(metrics, metricNames.vrrpTransitions);

/** The in-process exporter on `dir`, scraped once (answered 200): the scrape and what it logged. */
async function scrapeOnce(dir: string) {
  const logs: string[] = [];
  const app = inProcessExporter({ IPF_STATE_DIR: dir }, logs);
  await app.ready();
  const response = await app.inject('/metrics');
  expect(response.statusCode).toBe(200);
  return { app, metrics: response.body, logs };
}

function checkpointPath(dir: string): string {
  return join(dir, 'exporter-checkpoint.json');
}

// biome-ignore lint/suspicious/noExplicitAny: the tests put wrong types anywhere into a real checkpoint.
type Json = any;

/** A checkpoint the exporter itself wrote after reading `lines` transitions (BACKUP, then MASTER, …). */
async function realCheckpoint(dir: string, lines = 2): Promise<Json> {
  for (let index = 0; index < lines; index++)
    append(dir, transitionLine('web_VIP_1', index % 2 ? 'MASTER' : 'BACKUP', index + 1));
  const app = inProcessExporter({ IPF_STATE_DIR: dir });
  await app.ready();
  await app.close();
  return JSON.parse(readFileSync(checkpointPath(dir), 'utf8'));
}

const vmRssMiB = (pid: number) =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** Milliseconds until GET `url` answers 200, retrying refused and reset connections; throws after `withinMs`. */
async function answersWithin(url: string, withinMs: number): Promise<number> {
  const started = Date.now();
  let last = 'nothing';
  while (Date.now() - started < withinMs) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(withinMs - (Date.now() - started)) });
      await response.arrayBuffer();
      if (response.ok) return Date.now() - started;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} did not answer 200 within ${withinMs} ms (last: ${last})`);
}

const exporterLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '');

describe('files in the state directory that are not regular files are refused, never waited on', () => {
  it('a FIFO named check-x.json: /metrics and /healthz answer, the FIFO is skipped and counted', async () => {
    const dir = spoolDir();
    mkfifo(join(dir, 'check-x.json'));
    writeRecord(dir, 'check-tcp-check.json', JSON.stringify(statusRecord()));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const metrics = await get(`${exporter.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'ipfailover_state_records_invalid_total{file="check-x.json"}')).toBe(1);
    expect(sample(metrics.text, 'ipfailover_check_success{check="tcp-check"}')).toBe(1);
    expect((await get(`${exporter.url}/healthz`)).status).toBe(200);
    const state = JSON.parse((await get(`${exporter.url}/api/state`)).text);
    expect(state.checks.map((record: { check: string }) => record.check)).toEqual(['tcp-check']);
    // The same FIFO is one invalid version, however often it is scraped.
    const again = await get(`${exporter.url}/metrics`);
    expect(sample(again.text, 'ipfailover_state_records_invalid_total{file="check-x.json"}')).toBe(1);
    expect(await exporter.logged('skipping the status record check-x.json')).toContain(
      `skipping the status record check-x.json: ${dir}/check-x.json is a FIFO`,
    );
  });

  it('check records symlinked to /dev/zero or larger than 64 KiB are skipped and counted', async () => {
    const dir = spoolDir();
    symlinkSync('/dev/zero', join(dir, 'check-zero.json'));
    writeRecord(dir, 'check-huge.json', JSON.stringify(statusRecord({ reason: 'x'.repeat(70_000) })));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const metrics = await get(`${exporter.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'ipfailover_state_records_invalid_total{file="check-zero.json"}')).toBe(1);
    expect(sample(metrics.text, 'ipfailover_state_records_invalid_total{file="check-huge.json"}')).toBe(1);
    expect(await exporter.logged('is a character device, not a regular file')).toContain(
      'is a character device, not a regular file',
    );
    expect(await exporter.logged('is larger than 65536 bytes')).toContain('is larger than 65536 bytes');
  });

  it('an exporter-checkpoint.json symlinked to /dev/zero: the exporter listens and reads the spool from its start', async () => {
    const dir = spoolDir();
    append(dir, transitionLine('web_VIP_1', 'BACKUP', 1) + transitionLine('web_VIP_1', 'MASTER', 2));
    symlinkSync('/dev/zero', checkpointPath(dir));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const metrics = await get(`${exporter.url}/metrics`);
    expect(sample(metrics.text, 'ipfailover_spool_lines_total')).toBe(2);
    expect(transitionsTotal(metrics.text)).toBe(2);
    const checkpointLines = exporterLines(await exporter.logged('ignoring the checkpoint')).filter((line) =>
      line.includes('checkpoint'),
    );
    expect(checkpointLines).toHaveLength(1);
    expect(checkpointLines[0]).toMatch(
      /exporter: ignoring the checkpoint \(.*exporter-checkpoint\.json is a character device, not a regular file\); reading the spool from its start$/,
    );
  });

  it('a FIFO in the spool’s place: /readyz says why and /metrics answers; a regular spool then is followed', async () => {
    const dir = spoolDir();
    const spool = join(dir, 'transitions.jsonl');
    mkfifo(spool);
    const exporter = await startExporter({ IPF_STATE_DIR: dir, IPF_SPOOL_POLL_MS: '100' });
    const ready = await get(`${exporter.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).problems).toEqual([
      `cannot follow the spool: ${spool} is a FIFO, not a regular file`,
    ]);
    expect((await get(`${exporter.url}/metrics`)).status).toBe(200);
    // Said once in the log, not at every poll.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exporter.stderr().split('is a FIFO').length - 1).toBe(1);

    rmSync(spool);
    append(dir, transitionLine('web_VIP_1', 'MASTER', 1));
    await waitFor('the regular spool to be read', async () => {
      const text = (await get(`${exporter.url}/metrics`)).text;
      return sample(text, 'ipfailover_spool_lines_total') === 1 ? text : undefined;
    });
    expect((await get(`${exporter.url}/readyz`)).status).toBe(200);
  });

  it.each([
    ['a FIFO', (path: string) => mkfifo(path), 'is a FIFO, not a regular file'],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path), 'is a character device'],
    [
      'a 100 KiB file',
      (path: string) => writeFileSync(path, 'x'.repeat(100 * 1024)),
      'is larger than 65536 bytes',
    ],
  ])(
    'a webhook token file that is %s: nothing is sent, the failure names the file, the exporter answers',
    async (_, make, problem) => {
      let posts = 0;
      const server = createHttpServer((request, response) => {
        posts += 1;
        request.resume();
        response.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      onCleanup(() => new Promise((resolve) => server.close(resolve)));
      const dir = spoolDir();
      const tokenFile = join(temporaryDirectory(), 'token');
      make(tokenFile);
      const exporter = await startExporter({
        IPF_STATE_DIR: dir,
        IPF_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
        IPF_WEBHOOK_TOKEN_FILE: tokenFile,
      });
      append(dir, transitionLine('web_VIP_1', 'MASTER', 1));
      await waitFor('a failed webhook attempt', async () => {
        const text = (await get(`${exporter.url}/metrics`)).text;
        return (sample(text, 'ipfailover_webhook_failures_total') ?? 0) >= 1 ? text : undefined;
      });
      expect(posts).toBe(0);
      expect((await get(`${exporter.url}/healthz`)).status).toBe(200);
      const failure = `failed (IPF_WEBHOOK_TOKEN_FILE: ${tokenFile} ${problem}`;
      expect(await exporter.logged(failure)).toContain(failure);
    },
  );
});

describe('one malformed record never takes /metrics down', () => {
  it('check-x.json {"check":"x","ok":true}: the scrape answers 200, the record is counted, others are exported', async () => {
    const dir = spoolDir();
    writeRecord(dir, 'check-x.json', '{"check":"x","ok":true}');
    writeRecord(dir, 'check-tcp-check.json', JSON.stringify(statusRecord()));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const first = await get(`${exporter.url}/metrics`);
    expect(first.status).toBe(200);
    expect(sample(first.text, 'ipfailover_state_records_invalid_total{file="check-x.json"}')).toBe(1);
    expect(sample(first.text, 'ipfailover_check_last_run_timestamp_seconds{check="tcp-check"}')).toBe(
      1795650000.5,
    );
    expect(first.text).not.toContain('check="x"');
    expect((await get(`${exporter.url}/api/state`)).status).toBe(200);
    // A new version of the file that is still invalid is counted again; logged only the first time.
    writeRecord(dir, 'check-x.json', '{"check":"x","ok":"yes"}');
    const second = await get(`${exporter.url}/metrics`);
    expect(sample(second.text, 'ipfailover_state_records_invalid_total{file="check-x.json"}')).toBe(2);
    // The first version's line has come through the pipe before the count: the count cannot race.
    const logged = await exporter.logged(
      'skipping the status record check-x.json: passing: expected true or false',
    );
    expect(logged).toContain('skipping the status record check-x.json: passing: expected true or false');
    expect(logged.match(/skipping the status record check-x\.json/g)).toEqual([
      'skipping the status record check-x.json',
    ]);
  });

  it.each([
    ['not JSON', '{"check":'],
    ['an array', '[]'],
    ['check missing', JSON.stringify(statusRecord({ check: undefined }))],
    ['check empty', JSON.stringify(statusRecord({ check: '' }))],
    ['ok a string', JSON.stringify(statusRecord({ ok: 'true' }))],
    ['passing missing', JSON.stringify(statusRecord({ passing: undefined }))],
    ['reason a number', JSON.stringify(statusRecord({ reason: 5 }))],
    ['duration_ms a string', JSON.stringify(statusRecord({ duration_ms: '12' }))],
    ['at missing', JSON.stringify(statusRecord({ at: undefined }))],
    ['at null', JSON.stringify(statusRecord({ at: null }))],
    ['consecutive_failures negative', JSON.stringify(statusRecord({ consecutive_failures: -1 }))],
    ['consecutive_passes fractional', JSON.stringify(statusRecord({ consecutive_passes: 1.5 }))],
    ['consecutive_passes past 2^53', JSON.stringify(statusRecord({ consecutive_passes: 2 ** 60 }))],
  ])('a status record with %s is skipped and counted', async (_, contents) => {
    const dir = spoolDir();
    writeRecord(dir, 'check-bad.json', contents);
    writeRecord(dir, 'check-good.json', JSON.stringify(statusRecord({ check: 'good' })));
    const { metrics, logs } = await scrapeOnce(dir);
    expect(sample(metrics, 'ipfailover_state_records_invalid_total{file="check-bad.json"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_check_success{check="good"}')).toBe(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^skipping the status record check-bad\.json: /);
  });

  it('a status record with fields this exporter does not know yet is exported', async () => {
    const dir = spoolDir();
    writeRecord(
      dir,
      'check-tcp-check.json',
      JSON.stringify(statusRecord({ ok: false, log_skipped_total: 3 })),
    );
    const { app, metrics, logs } = await scrapeOnce(dir);
    expect(sample(metrics, 'ipfailover_check_success{check="tcp-check"}')).toBe(0);
    expect(samplesOf(metrics, metricNames.stateRecordsInvalid)).toEqual([]);
    expect((await app.inject('/api/state')).json().checks[0]).toMatchObject({
      check: 'tcp-check',
      ok: false,
    });
    expect(logs).toEqual([]);
  });

  /** Changes the checkpoint in place, or returns what to write instead. */
  type Mutation = (checkpoint: Json) => unknown;
  /** The object that holds the field at a dotted path, and the field's name. */
  const parentOf = (checkpoint: Json, path: string): [Json, string] => {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    return [keys.reduce((object, key) => object[key], checkpoint), last];
  };
  const withField =
    (path: string, value: unknown): Mutation =>
    (checkpoint) => {
      const [parent, key] = parentOf(checkpoint, path);
      parent[key] = value;
    };
  const without =
    (path: string): Mutation =>
    (checkpoint) => {
      const [parent, key] = parentOf(checkpoint, path);
      delete parent[key];
    };
  it.each<[string, Mutation, string]>([
    ['an array', () => [], 'the checkpoint: expected an object, got []'],
    ['null', () => null, 'the checkpoint: expected an object, got null'],
    ['version 2', (c) => ({ ...c, version: 2 }), 'version: expected 1, got 2'],
    [
      'counters but nothing else',
      () => ({ version: 1, state: { counters: {} } }),
      'position: expected an object',
    ],
    ['no position', (c) => ({ ...c, position: undefined }), 'position: expected an object, got nothing'],
    [
      'an inode that is a string',
      withField('position.current.ino', '12'),
      'position.current.ino: expected a non-negative integer, got "12"',
    ],
    [
      'a fractional offset',
      withField('position.current.offset', 1.5),
      'position.current.offset: expected a non-negative integer, got 1.5',
    ],
    [
      'a negative offset',
      withField('position.current.offset', -5),
      'position.current.offset: expected a non-negative integer, got -5',
    ],
    [
      'skipping "yes"',
      withField('position.current.skipping', 'yes'),
      'position.current.skipping: expected true or false',
    ],
    ['instances an array', withField('state.instances', []), 'state.instances: expected an object, got []'],
    [
      'an instance state "leader"',
      withField('state.instances.web_VIP_1.state', 'leader'),
      'state.instances["web_VIP_1"].state: expected one of init, backup, master, fault, stop',
    ],
    [
      'a priority of 300',
      withField('state.instances.web_VIP_1.priority', 300),
      'state.instances["web_VIP_1"].priority: expected null or an integer from 0 to 255',
    ],
    [
      'a transition key without states',
      withField('state.transitions.web_VIP_1', 1),
      'state.transitions["web_VIP_1"]: expected a key',
    ],
    [
      'a transition count "one"',
      withField('state.transitions.web_VIP_1\tinit\tbackup', 'one'),
      'expected a non-negative integer, got "one"',
    ],
    ['recent an object', withField('state.recent', {}), 'state.recent: expected an array, got {}'],
    [
      'a recent transition to "up"',
      withField('state.recent.0.to', 'up'),
      'state.recent[0].to: expected one of',
    ],
    ['no counters', without('state.counters'), 'state.counters: expected an object, got nothing'],
    [
      'a negative line count',
      withField('state.counters.lines', -1),
      'state.counters.lines: expected a non-negative number, got -1',
    ],
    [
      'a line count "many"',
      withField('state.counters.lines', 'many'),
      'state.counters.lines: expected a non-negative number, got "many"',
    ],
    ['outbox null', withField('outbox', null), 'outbox: expected an array, got null'],
    [
      'an empty outbox entry',
      withField('outbox', [{}]),
      'outbox[0].ts: expected a number of epoch seconds, got nothing',
    ],
    ['no webhook counts', without('webhook'), 'webhook: expected an object, got nothing'],
    [
      'a negative webhook count',
      withField('webhook.sent', -3),
      'webhook.sent: expected a non-negative number, got -3',
    ],
  ])('a checkpoint with %s: one log line, a fresh start, /metrics answers', async (_, mutate, problem) => {
    const dir = spoolDir();
    const checkpoint = await realCheckpoint(dir);
    const mutated = mutate(checkpoint);
    writeFileSync(checkpointPath(dir), JSON.stringify(mutated === undefined ? checkpoint : mutated));
    const { app, metrics, logs } = await scrapeOnce(dir);
    // Fresh from the spool's start: exactly its two lines, not the checkpoint's plus the spool's.
    expect(sample(metrics, 'ipfailover_spool_lines_total')).toBe(2);
    expect(transitionsTotal(metrics)).toBe(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(
      `ignoring the checkpoint ${checkpointPath(dir)}: it is not one this exporter writes (`,
    );
    expect(logs[0]).toContain(problem);
    expect(logs[0]).toMatch(/; reading the spool from its start$/);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
  });

  it('a checkpoint of valid JSON in the wrong shape is not a permanent 500 for the built exporter', async () => {
    const dir = spoolDir();
    append(dir, transitionLine('web_VIP_1', 'MASTER', 1));
    writeFileSync(checkpointPath(dir), JSON.stringify({ version: 1, state: { counters: {} } }));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const metrics = await get(`${exporter.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_1",state="master"}')).toBe(1);
    expect((await get(`${exporter.url}/api/state`)).status).toBe(200);
  });

  it('a checkpoint written before oversized lines were counted is resumed, not discarded', async () => {
    const dir = spoolDir();
    const checkpoint = await realCheckpoint(dir);
    delete checkpoint.state.counters.oversizedLines;
    writeFileSync(checkpointPath(dir), JSON.stringify(checkpoint));
    append(dir, transitionLine('web_VIP_1', 'BACKUP', 3));
    const { metrics, logs } = await scrapeOnce(dir);
    expect(sample(metrics, 'ipfailover_spool_lines_total')).toBe(3);
    expect(sample(metrics, 'ipfailover_spool_oversized_lines_total')).toBe(0);
    expect(logs).toEqual([]);
  });

  it('instance names like __proto__ and constructor are instances like any other, across a restart', async () => {
    const dir = spoolDir();
    const names = ['__proto__', 'constructor', 'toString'];
    for (const name of names) append(dir, transitionLine(name, 'MASTER', 1));
    const first = inProcessExporter({ IPF_STATE_DIR: dir });
    await first.ready();
    await first.close();
    const app = inProcessExporter({ IPF_STATE_DIR: dir });
    await app.ready();
    const metrics = (await app.inject('/metrics')).body;
    for (const name of names) {
      expect(sample(metrics, `ipfailover_vrrp_state{vrrp_instance="${name}",state="master"}`)).toBe(1);
      expect(
        sample(metrics, `ipfailover_vrrp_transitions_total{vrrp_instance="${name}",from="init",to="master"}`),
      ).toBe(1);
    }
    const state = (await app.inject('/api/state')).json();
    expect(state.instances.map((instance: { name: string }) => instance.name).sort()).toEqual(
      [...names].sort(),
    );
  });
});

describe('an exporter that cannot listen exits 1 with one line', () => {
  it('a port someone else holds', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => holder.close(resolve)));
    const port = (holder.address() as { port: number }).port;
    const exporter = spawnExporter({ IPF_STATE_DIR: spoolDir(), IPF_EXPORTER_PORT: String(port) });
    expect(await exitCode(exporter.child, 10_000)).toBe(1);
    expect(exporter.stderr()).toBe(
      `exporter: IPF_EXPORTER_HOST, IPF_EXPORTER_PORT: expected an address and port this node lets the exporter listen on, got "127.0.0.1:${port}" (listen EADDRINUSE: address already in use 127.0.0.1:${port})\n`,
    );
  });

  it('an IPF_EXPORTER_HOST that does not resolve', async () => {
    const port = await freePort();
    const exporter = spawnExporter({
      IPF_STATE_DIR: spoolDir(),
      IPF_EXPORTER_PORT: String(port),
      IPF_EXPORTER_HOST: 'no-such-host.invalid',
    });
    expect(await exitCode(exporter.child, 15_000)).toBe(1);
    expect(exporterLines(exporter.stderr())).toHaveLength(1);
    expect(exporter.stderr()).toMatch(
      new RegExp(
        `^exporter: IPF_EXPORTER_HOST, IPF_EXPORTER_PORT: expected an address and port this node lets the exporter listen on, got "no-such-host\\.invalid:${port}" \\(getaddrinfo \\w+ no-such-host\\.invalid\\)\\n$`,
      ),
    );
  });
});

describe('a flood of connections', () => {
  it('4000 connections asking for /metrics at once: /healthz still answers and memory stays bounded', async () => {
    const dir = spoolDir();
    let lines = '';
    for (let index = 1; index <= 254; index++)
      lines += transitionLine(`web_VIP_${index}`, 'MASTER', index, index);
    append(dir, lines);
    const exporter = await startExporter({
      IPF_STATE_DIR: dir,
      OPENSHIFT_HA_VIRTUAL_IPS: '10.1.0.1-254',
      OPENSHIFT_HA_VRRP_ID_OFFSET: '0',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
    });
    const pid = exporter.child.pid as number;
    const { port } = new URL(exporter.url);
    // Node raises its soft descriptor limit to the hard one; on a machine where that is low, fewer.
    const openFiles = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
    const count = Math.min(4000, openFiles - 512);
    let peakMiB = vmRssMiB(pid);
    const sampler = setInterval(() => {
      peakMiB = Math.max(peakMiB, vmRssMiB(pid));
    }, 20);
    onCleanup(() => clearInterval(sampler));
    const statusLines: string[] = [];
    const sockets: Socket[] = [];
    onCleanup(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let index = 0; index < count; index++) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      // Kept alive and never closed by the client: the worst a scraper can do without sending more.
      socket.once('connect', () => socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
      socket.once('data', (data) => statusLines.push(data.subarray(0, 15).toString()));
      sockets.push(socket);
    }
    const duringFlood = await answersWithin(`${exporter.url}/healthz`, 5000);
    await waitFor(
      'every connection answered or closed',
      () => (sockets.every((socket) => socket.destroyed || socket.bytesRead > 0) ? true : undefined),
      15_000,
    );
    // Now every slot the exporter allows may be held by an idle kept-alive connection.
    const afterFlood = await answersWithin(`${exporter.url}/healthz`, 5000);
    clearInterval(sampler);
    expect(duringFlood).toBeLessThan(5000);
    expect(afterFlood).toBeLessThan(5000);
    // Some were served, each in full with 200; the rest were closed at the bound.
    expect(statusLines.length).toBeGreaterThan(0);
    expect(new Set(statusLines)).toEqual(new Set(['HTTP/1.1 200 OK']));
    // The container's limit is 192 MiB and the exporter starts at about 55; without the bound these
    // connections took it to about 270 MiB.
    expect(peakMiB).toBeLessThan(150);
    const metrics = await get(`${exporter.url}/metrics`);
    expect(masterCount(metrics.text)).toBe(254);
  }, 60_000);

  it('a connection that sends half a request is closed within 10 s', async () => {
    const exporter = await startExporter({ IPF_STATE_DIR: spoolDir() });
    const socket = connect(Number(new URL(exporter.url).port), '127.0.0.1');
    onCleanup(() => socket.destroy());
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let answer = '';
    socket.on('data', (data) => (answer += data));
    const closed = await Promise.race([
      new Promise((resolve) => socket.once('close', () => resolve(true))),
      new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  }, 20_000);
});

describe('long lines in the spool', () => {
  it('a 200 MB line is skipped and counted once, in linear time; the lines after it are read', async () => {
    const dir = spoolDir();
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const spool = join(dir, 'transitions.jsonl');
    const before = transitionLine('web_VIP_1', 'BACKUP', 1);
    const after = `\n${transitionLine('web_VIP_1', 'MASTER', 2)}${transitionLine('web_VIP_2', 'MASTER', 3)}`;
    // In three writes, so reads also end inside the long line while it is being written.
    appendFileSync(spool, before);
    appendFileSync(spool, Buffer.alloc(200_000_000, 'x'));
    appendFileSync(spool, after);
    const started = Date.now();
    const metrics = await waitFor(
      'the lines after the long one',
      async () => {
        const text = (await get(`${exporter.url}/metrics`)).text;
        return sample(text, 'ipfailover_spool_lines_total') === 4 ? text : undefined;
      },
      20_000,
    );
    // Generous: it takes well under a second; re-concatenating the line for every chunk took 31 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sample(metrics, 'ipfailover_spool_oversized_lines_total')).toBe(1);
    expect(sample(metrics, 'ipfailover_spool_invalid_lines_total')).toBe(0);
    expect(sample(metrics, 'ipfailover_spool_read_bytes_total')).toBe(
      before.length + 200_000_000 + after.length,
    );
    expect(sample(metrics, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_1",state="master"}')).toBe(1);
    expect(transitionsTotal(metrics)).toBe(3);
    expect((await get(`${exporter.url}/readyz`)).status).toBe(200);
  }, 30_000);

  it('SIGKILL inside an overlong line: after a restart its rest is still skipped, not parsed as a line', async () => {
    const dir = spoolDir();
    const spool = join(dir, 'transitions.jsonl');
    const env = { IPF_STATE_DIR: dir };
    const written = [transitionLine('web_VIP_1', 'MASTER', 1)];
    // Longer than one read (64 MiB), and its end not yet written.
    const long = Buffer.alloc(70 * 1024 * 1024, 'x');
    appendFileSync(spool, written[0] + long.toString());
    let exporter = await startExporter(env);
    await waitFor('the start of the long line to be skipped', async () => {
      const text = (await get(`${exporter.url}/metrics`)).text;
      return sample(text, 'ipfailover_spool_oversized_lines_total') === 1 &&
        sample(text, 'ipfailover_spool_lag_bytes') === 0
        ? text
        : undefined;
    });
    exporter.child.kill('SIGKILL');
    await exitCode(exporter.child, 5000);
    // The rest of the long line is, on its own, a well-formed transition: it must not count.
    written.push(
      `${transitionLine('hidden', 'MASTER', 5).trim()}\n`,
      transitionLine('web_VIP_2', 'MASTER', 6) + transitionLine('web_VIP_3', 'MASTER', 7),
    );
    appendFileSync(spool, written.slice(1).join(''));
    exporter = await startExporter(env);
    const metrics = await waitFor('the lines after the long one', async () => {
      const text = (await get(`${exporter.url}/metrics`)).text;
      return sample(text, 'ipfailover_spool_lines_total') === 4 ? text : undefined;
    });
    expect(sample(metrics, 'ipfailover_spool_oversized_lines_total')).toBe(1);
    expect(sample(metrics, 'ipfailover_spool_invalid_lines_total')).toBe(0);
    expect(metrics).not.toContain('vrrp_instance="hidden"');
    expect(transitionsTotal(metrics)).toBe(3);
    expect(sample(metrics, 'ipfailover_spool_read_bytes_total')).toBe(
      long.length + written.reduce((sum, part) => sum + part.length, 0),
    );
  }, 30_000);

  it('keeps a line of exactly 64 KiB that straddles a read chunk, and skips one a byte longer', () => {
    const dir = spoolDir();
    // Filler lines up to just before the first 1 MiB chunk ends, so the kept line spans two chunks.
    const filler = `${'f'.repeat(1023)}\n`;
    const fillerLines = Math.floor((1024 * 1024 - 1000) / filler.length);
    // Multi-byte characters across the boundary must survive: the line is decoded whole.
    const kept = `${'é'.repeat(1000)}${'k'.repeat(MAX_LINE_BYTES - 2000)}`;
    const skipped = 's'.repeat(MAX_LINE_BYTES + 1);
    append(dir, `${filler.repeat(fillerLines)}${kept}\n${skipped}\nlast\n`);
    expect(Buffer.byteLength(kept)).toBe(MAX_LINE_BYTES);
    const reader = new SpoolReader(dir, 1 << 30);
    const read = reader.read();
    reader.close();
    expect(read.lines).toHaveLength(fillerLines + 2);
    expect(read.lines.at(-2)).toBe(kept);
    expect(read.lines.at(-1)).toBe('last');
    expect(read.oversized).toBe(1);
    expect(read.bytes).toBe(statSync(join(dir, 'transitions.jsonl')).size);
  });
});

describe('a checkpoint inconsistent with the spool is discarded', () => {
  it('a negative offset: the built exporter starts fresh, ready, with the spool’s counts', async () => {
    const dir = spoolDir();
    const checkpoint = await realCheckpoint(dir, 3);
    checkpoint.position.current.offset = -5;
    writeFileSync(checkpointPath(dir), JSON.stringify(checkpoint));
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    await waitFor('ready', async () =>
      (await get(`${exporter.url}/readyz`)).status === 200 ? true : undefined,
    );
    const metrics = (await get(`${exporter.url}/metrics`)).text;
    expect(sample(metrics, 'ipfailover_spool_lines_total')).toBe(3);
    expect(transitionsTotal(metrics)).toBe(3);
    const logged = await exporter.logged('ignoring the checkpoint');
    expect(exporterLines(logged).filter((line) => line.includes('checkpoint'))).toHaveLength(1);
  });

  it('an offset past the end of the spool: no line is counted twice', async () => {
    const dir = spoolDir();
    const checkpoint = await realCheckpoint(dir, 3);
    const size = statSync(join(dir, 'transitions.jsonl')).size;
    checkpoint.position.current.offset = size + 1000;
    writeFileSync(checkpointPath(dir), JSON.stringify(checkpoint));
    append(dir, transitionLine('web_VIP_1', 'FAULT', 10));
    const grown = statSync(join(dir, 'transitions.jsonl')).size;
    const exporter = await startExporter({ IPF_STATE_DIR: dir });
    const metrics = await waitFor('the spool read', async () => {
      const text = (await get(`${exporter.url}/metrics`)).text;
      return sample(text, 'ipfailover_spool_lines_total') === 4 ? text : undefined;
    });
    expect(transitionsTotal(metrics)).toBe(4);
    expect(sample(metrics, 'ipfailover_spool_truncations_total')).toBe(0);
    const lines = exporterLines(await exporter.logged('ignoring the checkpoint')).filter((line) =>
      line.includes('checkpoint'),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `ignoring the checkpoint ${checkpointPath(dir)}: it does not match the spool (offset ${size + 1000} is past the end of ${dir}/transitions.jsonl (${grown} bytes)); reading the spool from its start`,
    );
    expect((await get(`${exporter.url}/readyz`)).status).toBe(200);
  });

  it('a checkpoint path that is a directory: no temp file is left per save, and /readyz says why', async () => {
    const dir = spoolDir();
    mkdirSync(checkpointPath(dir));
    const logs: string[] = [];
    const app = inProcessExporter({ IPF_STATE_DIR: dir }, logs);
    append(dir, transitionLine('web_VIP_1', 'BACKUP', 1));
    await app.ready();
    for (let index = 0; index < 5; index++) {
      append(dir, transitionLine('web_VIP_1', index % 2 ? 'BACKUP' : 'MASTER', index + 2));
      app.ingestor.ingest();
    }
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const metrics = (await app.inject('/metrics')).body;
    expect(sample(metrics, 'ipfailover_spool_lines_total')).toBe(6);
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().problems).toEqual([
      expect.stringMatching(new RegExp(`^cannot save the checkpoint ${checkpointPath(dir)}: EISDIR`)),
    ]);
    expect(logs[0]).toBe(
      `ignoring the checkpoint (${checkpointPath(dir)} is a directory, not a regular file); reading the spool from its start`,
    );
    // The save failure is one line, not one per ingest.
    expect(logs.filter((line) => line.startsWith('cannot save the checkpoint'))).toHaveLength(1);
  });
});
