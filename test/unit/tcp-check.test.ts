import { describe, expect, it } from 'vitest';
import { tcpCheck } from '../../checks/tcp/check.ts';
import { closedPort, isolatedEnv, runInProcess, tcpServer } from '../support/harness.ts';

describe('tcp-check against real loopback listeners', () => {
  it('passes when the target accepts, and writes a status record', async () => {
    const { port } = await tcpServer((socket) => socket.end());
    const result = await runInProcess(tcpCheck, isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}` }));
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([]);
    expect(result.record).toMatchObject({ check: 'tcp-check', ok: true, passing: true, reason: '' });
  });

  it('fails on a closed port with one reason line, also in IPF_LOG_TO', async () => {
    const port = await closedPort();
    const result = await runInProcess(tcpCheck, isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${port}` }));
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `tcp-check: FAIL 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(result.log).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z tcp-check: FAIL 127.0.0.1:${port}: connect ECONNREFUSED`),
    );
    expect(result.record).toMatchObject({
      ok: false,
      passing: false,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('mode all needs every target; mode any needs one', async () => {
    const { port } = await tcpServer((socket) => socket.end());
    const closed = await closedPort();
    const targets = `127.0.0.1:${port},127.0.0.1:${closed}`;
    expect((await runInProcess(tcpCheck, isolatedEnv({ IPF_TCP_TARGETS: targets }))).code).toBe(1);
    expect(
      (await runInProcess(tcpCheck, isolatedEnv({ IPF_TCP_TARGETS: targets, IPF_TCP_MODE: 'any' }))).code,
    ).toBe(0);
    const none = await runInProcess(
      tcpCheck,
      isolatedEnv({ IPF_TCP_TARGETS: `127.0.0.1:${closed}`, IPF_TCP_MODE: 'any' }),
    );
    expect(none.stderr[0]).toContain('no target answered');
  });

  it('sends and expects, like blackbox_exporter’s query_response', async () => {
    const { port } = await tcpServer((socket) => {
      socket.once('data', (data) => socket.end(data.toString() === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n'));
    });
    const env = { IPF_TCP_TARGETS: `127.0.0.1:${port}`, IPF_TCP_SEND: 'PING\\r\\n' };
    expect((await runInProcess(tcpCheck, isolatedEnv({ ...env, IPF_TCP_EXPECT: '^\\+PONG' }))).code).toBe(0);
    const wrong = await runInProcess(tcpCheck, isolatedEnv({ ...env, IPF_TCP_EXPECT: '^\\+OK' }));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr[0]).toBe(
      `tcp-check: FAIL 127.0.0.1:${port}: closed before /^\\+OK/ matched; received "+PONG\\r\\n"`,
    );
  });

  it('fails within the deadline when the listener accepts and never answers', async () => {
    const { port } = await tcpServer(() => {});
    const result = await runInProcess(
      tcpCheck,
      isolatedEnv({
        IPF_TCP_TARGETS: `127.0.0.1:${port}`,
        IPF_TCP_EXPECT: 'OK',
        IPF_CHECK_TIMEOUT_MS: '400',
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      `tcp-check: FAIL timed out after 400 ms while waiting for /OK/ from 127.0.0.1:${port}`,
    ]);
    expect(result.elapsedMs).toBeLessThan(400 + 300);
  });

  it('passes without connecting when OPENSHIFT_HA_MONITOR_PORT is 0, as the image does', async () => {
    const result = await runInProcess(tcpCheck, isolatedEnv({ OPENSHIFT_HA_MONITOR_PORT: '0' }));
    expect(result.code).toBe(0);
    expect(result.record?.ok).toBe(true);
  });

  it('fails, never passes, on bad settings, whatever IPF_CHECK_FALL says', async () => {
    const result = await runInProcess(
      tcpCheck,
      isolatedEnv({ IPF_TCP_TARGETS: 'nope', IPF_CHECK_FALL: '5' }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'tcp-check: FAIL IPF_TCP_TARGETS: expected host:port, with IPv6 written as [addr]:port, got "nope" (entry 1 of 1)',
    ]);
  });

  it('rejects arguments, since keepalived passes none', async () => {
    const result = await runInProcess(tcpCheck, isolatedEnv({ OPENSHIFT_HA_MONITOR_PORT: '0' }), [
      '--verbose',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toBe(
      'tcp-check: FAIL arguments: expected none (keepalived passes none) or --validate, got "--verbose"',
    );
  });

  it('--validate prints the resolved settings, probes nothing and writes nothing', async () => {
    const env = isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1,[::1]:2', IPF_TCP_MODE: 'any' });
    const result = await runInProcess(tcpCheck, env, ['--validate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('tcp-check: settings are valid; deadline 1700 ms');
    expect(result.stdout).toContain('IPF_CHECK_FALL=1 (default)');
    expect(result.stdout).toContain('targets (any, from IPF_TCP_TARGETS): 127.0.0.1:1, [::1]:2');
    expect(result.record).toBeUndefined();
  });

  it('--validate exits 1 naming each bad setting', async () => {
    const result = await runInProcess(
      tcpCheck,
      isolatedEnv({ IPF_TCP_MODE: 'some', OPENSHIFT_HA_CHECK_INTERVAL: '0.2', IPF_TCP_TARGTS: 'a:1' }),
      ['--validate'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual([
      'tcp-check: OPENSHIFT_HA_CHECK_INTERVAL: expected a whole number of seconds from 1 to 4294 (keepalived 2.2 ignores any other interval), got "0.2"',
      'tcp-check: IPF_TCP_TARGTS: unknown setting; did you mean IPF_TCP_TARGETS?',
      'tcp-check: IPF_TCP_MODE: expected one of all, any, got "some"',
    ]);
  });
});
