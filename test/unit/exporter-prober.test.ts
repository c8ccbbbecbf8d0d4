// The exporter reads the real prober's heartbeat record and serves
// ipfailover_prober_up and the refused requests, only when keepalived runs verdict.sh.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProber } from '../../checks/prober/main.ts';
import { PROBER_RECORD } from '../../core/prober-protocol.ts';
import { metricNames } from '../../exporter/metric-names.ts';
import { ring } from '../../testkit/prober-client.ts';
import { freePort, inProcessExporter, sample, spoolDir } from '../support/exporter.ts';
import { onCleanup, tcpServer } from '../support/harness.ts';

const podUid = '0b1c2d3e-1111-2222-3333-444455556666';

async function metricsOf(app: ReturnType<typeof inProcessExporter>): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return response.body;
}

describe('the exporter and the prober', () => {
  it('prober mode: up while the real prober beats, its refusals counted by reason, down once it stops', async () => {
    const stateDir = spoolDir();
    const { port: target } = await tcpServer((socket) => socket.end());
    const port = await freePort();
    const started = await startProber({
      IPF_STATE_DIR: stateDir,
      IPF_LOG_TO: 'none',
      IPF_CHECKS: 'tcp-check',
      IPF_POD_UID: podUid,
      IPF_PROBER_PORT: String(port),
      IPF_TCP_TARGETS: `127.0.0.1:${target}`,
    });
    if (Array.isArray(started)) throw new Error(started.join('\n'));
    onCleanup(() => started.close());
    const app = inProcessExporter({
      IPF_STATE_DIR: stateDir,
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/verdict.sh tcp-check',
    });
    expect(sample(await metricsOf(app), 'ipfailover_prober_up')).toBe(1);

    expect(await ring(port, `ipft2 ffffffff-0000-0000-0000-000000000000 tcp-check 7 900\n`)).toMatch(
      /^refused /,
    );
    expect(await ring(port, 'ipft9 x\n')).toMatch(/^refused unknown protocol version/);
    expect(await ring(port, `ipft2 ${podUid} tcp-check 8 900\n`)).toBe('ready 8\n');
    // The record is rewritten every 2 s; wait for the beat that carries the counts.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const metrics = await metricsOf(app);
    expect(sample(metrics, 'ipfailover_prober_refused_requests_total{reason="identity"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_prober_refused_requests_total{reason="version"}')).toBe(1);
    expect(sample(metrics, 'ipfailover_prober_probes_total{check="tcp-check"}')).toBe(1);

    await started.close();
    const record = join(stateDir, PROBER_RECORD);
    const last = JSON.parse((await import('node:fs')).readFileSync(record, 'utf8'));
    // A heartbeat 7 s old: three beats missed, as after a SIGKILL or a SIGSTOP.
    writeFileSync(record, JSON.stringify({ ...last, at: Date.now() / 1000 - 7 }));
    expect(sample(await metricsOf(app), 'ipfailover_prober_up')).toBe(0);
  });

  it('prober mode without any record (the sidecar never started): down', async () => {
    const app = inProcessExporter({
      IPF_STATE_DIR: spoolDir(),
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/verdict.sh http-check,externalip-check',
    });
    expect(sample(await metricsOf(app), 'ipfailover_prober_up')).toBe(0);
  });

  it('one-shot mode: no prober series, so ProberDown cannot fire', async () => {
    const app = inProcessExporter({
      IPF_STATE_DIR: spoolDir(),
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/http-check',
    });
    const metrics = await metricsOf(app);
    for (const name of [metricNames.proberUp, metricNames.proberRefusedRequests, metricNames.proberProbes])
      expect(metrics).not.toContain(name);
  });
});
