import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseTransition } from '../core/transition.ts';
import { metricNames } from '../exporter/metric-names.ts';
import { ScrapeCache } from '../exporter/scrape-cache.ts';
import { SpoolReader } from '../exporter/spool.ts';
import { applyTransitions, emptyState } from '../exporter/state.ts';
import {
  append,
  inProcessExporter,
  masterCount,
  sample,
  samplesOf,
  seriesTotal,
  spoolDir,
  startExporter,
  transitionLine,
  waitFor,
} from './support/exporter.ts';
import { onCleanup, temporaryDirectory } from './support/harness.ts';
import { bundleNode } from './support/node.ts';

describe('event time, not arrival order', () => {
  const event = (state: string, ts: number) => parseTransition(transitionLine('web_VIP_1', state, ts).trim());

  it('a batch that arrived out of order still gives the newest state and the right transitions', () => {
    const state = emptyState();
    const events = [event('MASTER', 3), event('BACKUP', 1), event('FAULT', 2)].filter((e) => e !== undefined);
    applyTransitions(state, events, 10);
    expect(state.instances.web_VIP_1?.state).toBe('master');
    expect(state.transitions).toEqual({
      'web_VIP_1\tinit\tbackup': 1,
      'web_VIP_1\tbackup\tfault': 1,
      'web_VIP_1\tfault\tmaster': 1,
    });
  });

  it('an event older than the newest is counted as late and changes nothing', () => {
    const state = emptyState();
    applyTransitions(
      state,
      [event('MASTER', 5)].filter((e) => e !== undefined),
      10,
    );
    applyTransitions(
      state,
      [event('BACKUP', 4)].filter((e) => e !== undefined),
      10,
    );
    expect(state.instances.web_VIP_1?.state).toBe('master');
    expect(state.counters.outOfOrder).toBe(1);
  });
});

describe('the spool reader', () => {
  it('reads only complete lines and resumes from a saved position by inode', () => {
    const dir = spoolDir();
    append(dir, transitionLine('a', 'MASTER', 1));
    append(dir, '{"ts":2,"node":"n","ty');
    const reader = new SpoolReader(dir, 1 << 20);
    expect(reader.read().lines).toHaveLength(1);
    append(dir, 'pe":"INSTANCE","name":"b","state":"BACKUP","priority":1}\n');
    expect(reader.read().lines).toEqual([
      '{"ts":2,"node":"n","type":"INSTANCE","name":"b","state":"BACKUP","priority":1}',
    ]);
    const saved = reader.position();
    reader.close();
    append(dir, transitionLine('c', 'FAULT', 3));
    const again = new SpoolReader(dir, 1 << 20);
    again.resume(saved);
    expect(again.read().lines).toHaveLength(1);
    again.close();
  });

  it('recovers from truncation and from deletion underneath it', () => {
    const dir = spoolDir();
    append(dir, transitionLine('a', 'MASTER', 1) + transitionLine('a', 'BACKUP', 2));
    const reader = new SpoolReader(dir, 1 << 20);
    expect(reader.read().lines).toHaveLength(2);
    truncateSync(join(dir, 'transitions.jsonl'), 0);
    append(dir, transitionLine('a', 'FAULT', 3));
    const afterTruncate = reader.read();
    expect(afterTruncate.truncated).toBe(true);
    expect(afterTruncate.lines).toHaveLength(1);
    rmSync(join(dir, 'transitions.jsonl'));
    append(dir, transitionLine('a', 'MASTER', 4));
    const afterDelete = reader.read();
    expect(afterDelete.reset).toBe(true);
    expect(afterDelete.lines).toHaveLength(1);
    reader.close();
  });

  it('rotates a full spool and still reads a hook that appended to the old file after the rename', () => {
    const dir = spoolDir();
    let now = 0;
    const reader = new SpoolReader(dir, 100, () => now);
    append(dir, transitionLine('a', 'MASTER', 1) + transitionLine('a', 'BACKUP', 2));
    const first = reader.read();
    expect(first.lines).toHaveLength(2);
    expect(first.rotated).toBe(true);
    // A hook that opened the file just before the rename writes into the rotated file…
    writeFileSync(join(dir, 'transitions.jsonl.1'), transitionLine('a', 'FAULT', 3), { flag: 'a' });
    // …and the next hook creates a new spool by path.
    append(dir, transitionLine('a', 'MASTER', 4));
    expect(reader.read().lines).toHaveLength(2);
    now = 5000;
    expect(reader.read().lines).toHaveLength(0);
    expect(reader.position().retiring).toBeNull();
    reader.close();
  });
});

describe('the exporter app (fastify inject)', () => {
  it('serves every metric family, /api/state and readiness, and only GET', async () => {
    const dir = spoolDir();
    writeFileSync(
      join(dir, 'check-http-check.json'),
      JSON.stringify({
        check: 'http-check',
        ok: false,
        reason: 'status 500',
        duration_ms: 42,
        at: 1795650000.5,
        passing: true,
        consecutive_failures: 1,
        consecutive_passes: 0,
      }),
    );
    append(
      dir,
      transitionLine('web_VIP_1', 'BACKUP', 10, 20) +
        transitionLine('web_VIP_1', 'MASTER', 11, 250) +
        'not json\n',
    );
    const app = inProcessExporter({
      IPF_STATE_DIR: dir,
      OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1,127.0.0.1',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
    });
    await app.ready();
    const metrics = (await app.inject('/metrics')).body;
    expect(sample(metrics, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_1",state="master"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_2",state="init"}')).toBe(1);
    expect(
      sample(
        metrics,
        'ipfailover_vrrp_transitions_total{vrrp_instance="web_VIP_1",from="backup",to="master"}',
      ),
    ).toBe(1);
    expect(
      sample(metrics, 'ipfailover_vrrp_last_transition_timestamp_seconds{vrrp_instance="web_VIP_1"}'),
    ).toBe(11);
    expect(sample(metrics, 'ipfailover_vrrp_priority{vrrp_instance="web_VIP_1"}')).toBe(250);
    expect(sample(metrics, 'ipfailover_vip_present{vrrp_instance="web_VIP_1",vip="10.0.0.1"}')).toBe(0);
    expect(sample(metrics, 'ipfailover_vip_present{vrrp_instance="web_VIP_2",vip="127.0.0.1"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_check_success{check="http-check"}')).toBe(0);
    expect(sample(metrics, 'ipfailover_check_passing{check="http-check"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_check_duration_seconds{check="http-check"}')).toBe(0.042);
    expect(sample(metrics, 'ipfailover_spool_invalid_lines_total')).toBe(1);
    expect(sample(metrics, 'ipfailover_exporter_build_info{version="test",node="node-a"}')).toBe(1);
    expect(metrics).not.toMatch(/[{,](instance|job)=/);

    const state = (await app.inject('/api/state')).json();
    expect(state.instances[0]).toMatchObject({ name: 'web_VIP_1', vrid: 11, state: 'master', priority: 250 });
    expect(state.recent[0]).toMatchObject({ vrrp_instance: 'web_VIP_1', from: 'backup', to: 'master' });
    expect(state.checks[0]).toMatchObject({ check: 'http-check', ok: false });
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      expect((await app.inject({ method, url: '/metrics' })).statusCode).toBe(404);
    }
  });

  it('serves the families of exporter/metric-names.ts, each once, and no other', async () => {
    const app = inProcessExporter({
      IPF_STATE_DIR: spoolDir(),
      // On loopback but on no interface: probed (reachability on), and answered by lo with a RST.
      OPENSHIFT_HA_VIRTUAL_IPS: '127.0.1.1',
      IPF_REACH_INTERVAL_MS: '1000',
      // Prober mode: the prober's families are served too.
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/verdict.sh',
    });
    await app.ready();
    const metrics = (await app.inject('/metrics')).body;
    const families = [...metrics.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
    expect(families.sort()).toEqual(Object.values(metricNames).sort());
  });

  it('/metrics with 254 instances passes promtool check metrics with no findings', async () => {
    const dir = spoolDir();
    let lines = '';
    for (let index = 1; index <= 254; index++)
      lines += transitionLine(`web_VIP_${index}`, index % 2 ? 'MASTER' : 'BACKUP', index, index);
    append(dir, lines);
    writeFileSync(
      join(dir, 'check-tcp-check.json'),
      JSON.stringify({
        check: 'tcp-check',
        ok: true,
        reason: '',
        duration_ms: 60,
        at: 1,
        passing: true,
        consecutive_failures: 0,
        consecutive_passes: 3,
      }),
    );
    const app = inProcessExporter({
      IPF_STATE_DIR: dir,
      OPENSHIFT_HA_VIRTUAL_IPS: '10.1.0.1-254',
      OPENSHIFT_HA_VRRP_ID_OFFSET: '0',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
    });
    await app.ready();
    const metrics = (await app.inject('/metrics')).body;
    expect(samplesOf(metrics, metricNames.vrrpState)).toHaveLength(254 * 5);
    const output = execFileSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect(output).toBe('');
  });
});

describe('the scrape cache', () => {
  const record = (check: string, ok: boolean) =>
    JSON.stringify({
      check,
      ok,
      reason: ok ? 'connected' : 'refused',
      duration_ms: 5,
      at: 1795650000,
      passing: ok,
      consecutive_failures: ok ? 0 : 1,
      consecutive_passes: ok ? 1 : 0,
    });

  async function exporterWithState() {
    const dir = spoolDir();
    append(dir, transitionLine('web_VIP_1', 'BACKUP', 10) + transitionLine('web_VIP_1', 'MASTER', 11));
    writeFileSync(join(dir, 'check-tcp-check.json'), record('tcp-check', true));
    // A record with a field missing: counted once per version, however often it is scraped.
    writeFileSync(join(dir, 'check-bad.json'), '{"check":"bad","ok":true}');
    const app = inProcessExporter({
      IPF_STATE_DIR: dir,
      OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1,10.0.0.2',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
    });
    await app.ready();
    return { app, dir };
  }

  const master = (metrics: string) =>
    sample(metrics, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_1",state="master"}');

  it('two scrapes in one spool state: the same text; the live families and a new notify are read anew', async () => {
    const { app, dir } = await exporterWithState();
    const first = (await app.inject('/metrics')).body;
    expect((await app.inject('/metrics')).body).toBe(first);
    expect(master(first)).toBe(1);
    expect(seriesTotal(first, metricNames.vrrpTransitions)).toBe(2);
    expect(sample(first, 'ipfailover_state_records_invalid_total{file="check-bad.json"}')).toBe(1);

    // A check record is not spool state: its families show the change at the next scrape.
    writeFileSync(join(dir, 'check-tcp-check.json'), record('tcp-check', false));
    const second = (await app.inject('/metrics')).body;
    expect(sample(second, 'ipfailover_check_success{check="tcp-check"}')).toBe(0);
    expect(master(second)).toBe(1);

    // A notify changes the spool state: the cached families are rendered again.
    append(dir, transitionLine('web_VIP_1', 'FAULT', 12));
    app.ingestor.ingest();
    const third = (await app.inject('/metrics')).body;
    expect(master(third)).toBe(0);
    expect(sample(third, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_1",state="fault"}')).toBe(1);
    expect(seriesTotal(third, metricNames.vrrpTransitions)).toBe(3);
    expect(sample(third, 'ipfailover_spool_lines_total')).toBe(3);
    expect(sample(third, 'ipfailover_state_records_invalid_total{file="check-bad.json"}')).toBe(1);
  });

  it('concurrent scrapes on a loopback port: every one complete and the same, the counts exact', async () => {
    const { app } = await exporterWithState();
    const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/metrics`;
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(url)));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200]));
    const bodies = new Set(await Promise.all(responses.map((response) => response.text())));
    expect(bodies.size).toBe(1);
    const [body = ''] = bodies;
    const families = [...body.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
    expect(new Set(families).size).toBe(families.length);
    expect(samplesOf(body, metricNames.vrrpState)).toHaveLength(2 * 5);
    expect(seriesTotal(body, metricNames.vrrpTransitions)).toBe(2);
    expect(sample(body, 'ipfailover_spool_lines_total')).toBe(2);
    expect(sample(body, 'ipfailover_state_records_invalid_total{file="check-bad.json"}')).toBe(1);
    expect(
      sample(
        (await app.inject('/metrics')).body,
        'ipfailover_state_records_invalid_total{file="check-bad.json"}',
      ),
    ).toBe(1);
  });
});

describe('ScrapeCache', () => {
  it('collects a cached registry again only when its key changes, a live one at every scrape, a shared value once per scrape', async () => {
    const cache = new ScrapeCache();
    let key = 'a';
    const collections = { cached: 0, live: 0, shared: 0 };
    const shared = cache.oncePerScrape(() => ++collections.shared);
    new Gauge({
      name: 'cached',
      help: 'Rendered again when the key changes.',
      registers: [cache.cachedBy(() => key)],
      collect() {
        collections.cached += 1;
        this.set(shared());
      },
    });
    const live = cache.live();
    for (const name of ['live_a', 'live_b']) {
      new Gauge({
        name,
        help: 'Rendered at every scrape.',
        registers: [live],
        collect() {
          collections.live += 1;
          this.set(shared());
        },
      });
    }
    const first = await cache.metrics();
    const second = await cache.metrics();
    expect(collections).toEqual({ cached: 1, live: 4, shared: 2 });
    expect(first).toBe(second.replace(/live_(.) 2/g, 'live_$1 1'));
    key = 'b';
    const third = await cache.metrics();
    expect(collections).toEqual({ cached: 2, live: 6, shared: 3 });
    // One registry with the same families would render the same text.
    const whole = new Registry();
    for (const [name, value] of [
      ['cached', 3],
      ['live_a', 3],
      ['live_b', 3],
    ] as const) {
      new Gauge({
        name,
        help: name === 'cached' ? 'Rendered again when the key changes.' : 'Rendered at every scrape.',
        registers: [whole],
      }).set(value);
    }
    expect(third).toBe(await whole.metrics());
  });
});

describe('the built exporter process', () => {
  it('refuses bad settings and an unwritable state directory with one line each, exit 1', () => {
    const run = (env: Record<string, string>) => {
      try {
        execFileSync(bundleNode, ['dist/exporter/exporter.js'], {
          env: { PATH: process.env.PATH, ...env },
          encoding: 'utf8',
          stdio: 'pipe',
        });
        return { code: 0, stderr: '' };
      } catch (error) {
        const failure = error as { status: number; stderr: string };
        return { code: failure.status, stderr: failure.stderr };
      }
    };
    const dir = temporaryDirectory();
    expect(run({ IPF_STATE_DIR: dir, IPF_EXPORTER_PORT: '99999', IPF_EXPORTER_PORTT: '1' })).toEqual({
      code: 1,
      stderr:
        'exporter: IPF_EXPORTER_PORT: expected a port from 1 to 65535, got "99999"\n' +
        'exporter: IPF_EXPORTER_PORTT: unknown setting; did you mean IPF_EXPORTER_PORT?\n',
    });
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    writeFileSync(join(readOnly, 'state'), 'a file, not a directory');
    const result = run({ IPF_STATE_DIR: join(readOnly, 'state') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^exporter: IPF_STATE_DIR: expected a directory the exporter can write \(EEXIST/,
    );
  });

  it('shows all 254 events of 254 hooks launched at once', async () => {
    const dir = spoolDir();
    const exporter = await startExporter({
      IPF_STATE_DIR: dir,
      OPENSHIFT_HA_VIRTUAL_IPS: '10.1.0.1-254',
      OPENSHIFT_HA_VRRP_ID_OFFSET: '0',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
    });
    const hookEnv = { PATH: '/usr/bin:/bin', IPF_STATE_DIR: dir, IPF_LOG_TO: 'none', NODE_NAME: 'node-a' };
    const hooks = Array.from({ length: 254 }, (_, index) => {
      const child = spawn('dist/notify/notify.sh', ['INSTANCE', `web_VIP_${index + 1}`, 'MASTER', '250'], {
        env: hookEnv,
      });
      return new Promise<number | null>((resolve) => child.on('close', resolve));
    });
    expect(new Set(await Promise.all(hooks))).toEqual(new Set([0]));
    const metrics = await waitFor('254 masters', async () => {
      const text = await (await fetch(`${exporter.url}/metrics`)).text();
      return masterCount(text) === 254 ? text : undefined;
    });
    expect(sample(metrics, 'ipfailover_spool_lines_total')).toBe(254);
    expect(sample(metrics, 'ipfailover_spool_invalid_lines_total')).toBe(0);
    expect(sample(metrics, 'ipfailover_vrrp_state{vrrp_instance="web_VIP_254",state="master"}')).toBe(1);
  });

  it('keeps exact counts across SIGKILL mid-stream and a restart', async () => {
    const dir = spoolDir();
    const env = { IPF_STATE_DIR: dir, IPF_SPOOL_POLL_MS: '50' };
    let exporter = await startExporter(env);
    const total = 3000;
    let written = 0;
    const writer = (async () => {
      while (written < total) {
        let batch = '';
        for (let index = 0; index < 50 && written < total; index++, written++) {
          // Each vip_N alternates MASTER and BACKUP, so every event is a transition.
          batch += transitionLine(
            `vip_${written % 20}`,
            Math.floor(written / 20) % 2 ? 'MASTER' : 'BACKUP',
            1 + written / 1000,
          );
        }
        append(dir, batch);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await waitFor('the exporter to be mid-stream', async () => {
      const lines =
        sample(await (await fetch(`${exporter.url}/metrics`)).text(), 'ipfailover_spool_lines_total') ?? 0;
      return lines > 200 ? lines : undefined;
    });
    exporter.child.kill('SIGKILL');
    await writer;
    exporter = await startExporter(env);
    const metrics = await waitFor('all lines', async () => {
      const text = await (await fetch(`${exporter.url}/metrics`)).text();
      return sample(text, 'ipfailover_spool_lines_total') === total ? text : undefined;
    });
    expect(seriesTotal(metrics, metricNames.vrrpTransitions)).toBe(total);
    expect(sample(metrics, 'ipfailover_spool_invalid_lines_total')).toBe(0);
  });
});

describe('webhook forwarding', () => {
  it('POSTs each transition with the token, retries after failures, and never logs the token', async () => {
    const received: { body: unknown; authorization: string | undefined }[] = [];
    let failuresLeft = 2;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (failuresLeft-- > 0) return response.writeHead(503).end();
        received.push({ body: JSON.parse(body), authorization: request.headers.authorization });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    const dir = spoolDir();
    const tokenFile = join(temporaryDirectory(), 'token');
    writeFileSync(tokenFile, 's3cr3t-token\n');
    const logs: string[] = [];
    const app = inProcessExporter(
      {
        IPF_STATE_DIR: dir,
        IPF_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
        IPF_WEBHOOK_TOKEN_FILE: tokenFile,
      },
      logs,
    );
    await app.ready();
    append(dir, transitionLine('web_VIP_1', 'BACKUP', 1) + transitionLine('web_VIP_1', 'MASTER', 2));
    app.ingestor.ingest();
    await waitFor(
      'both transitions delivered',
      () => (app.ingestor.checkpoint.webhook.sent === 2 ? true : undefined),
      15_000,
    );
    expect(received.map(({ body }) => (body as { to: string }).to)).toEqual(['backup', 'master']);
    expect(received[0]?.authorization).toBe('Bearer s3cr3t-token');
    expect(app.ingestor.checkpoint.webhook).toMatchObject({ sent: 2, failures: 2, dropped: 0 });
    expect(logs.join('\n')).not.toContain('s3cr3t');
  });

  it('keeps a bounded outbox, dropping and counting the oldest', async () => {
    const dir = spoolDir();
    const app = inProcessExporter({
      IPF_STATE_DIR: dir,
      IPF_WEBHOOK_URL: 'http://127.0.0.1:9/unreachable',
      IPF_WEBHOOK_QUEUE_MAX: '3',
    });
    await app.ready();
    let lines = '';
    for (let index = 0; index < 5; index++) lines += transitionLine(`vip_${index}`, 'MASTER', index + 1);
    append(dir, lines);
    app.ingestor.ingest();
    expect(app.ingestor.checkpoint.outbox.map((item) => item.vrrp_instance)).toEqual([
      'vip_2',
      'vip_3',
      'vip_4',
    ]);
    expect(app.ingestor.checkpoint.webhook.dropped).toBe(2);
    const metrics = (await app.inject('/metrics')).body;
    expect(sample(metrics, 'ipfailover_webhook_dropped_total')).toBe(2);
    expect(sample(metrics, 'ipfailover_webhook_queue_length')).toBe(3);
  });
});
