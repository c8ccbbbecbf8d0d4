import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installAlone, runAsKeepalived, terminateMidRun } from './support/bundle.ts';
import { closedPort, isolatedEnv, readOutputs, tcpServer } from './support/harness.ts';
import { bundleNode, pathWithBundleNode } from './support/node.ts';

const checks = ['tcp-check', 'http-check'] as const;

describe('the node that runs the bundles', () => {
  it('is the one a check’s `#!/usr/bin/env node` line finds: IPF_TEST_NODE when set, else vitest’s', () => {
    const found = spawnSync('/usr/bin/env', ['node', '-p', 'process.execPath + " " + process.version'], {
      env: { PATH: pathWithBundleNode() },
      encoding: 'utf8',
    });
    expect(found.stderr).toBe('');
    const [path, version] = found.stdout.trim().split(' ');
    expect(path).toBe(bundleNode);
    if (!process.env.IPF_TEST_NODE) expect(version).toBe(process.version);
  });
});

describe.each([...checks, 'externalip-check'])('the built %s', (check) => {
  it('is one executable CommonJS file with a node shebang that needs nothing but node', () => {
    const path = join('dist/checks', `${check}.js`);
    expect(statSync(path).mode & 0o777).toBe(0o755);
    const source = readFileSync(path, 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(source.match(/^#!/gm)).toHaveLength(1);
    expect(source).not.toMatch(/require\("(?!node:)[^"]+"\)/);
  });
});

describe.each(checks)('the built %s', (check) => {
  it('passes with the image’s check disabled (OPENSHIFT_HA_MONITOR_PORT=0) or a live target', async () => {
    const { port } = await tcpServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const env = isolatedEnv(
      check === 'tcp-check'
        ? { IPF_TCP_TARGETS: `127.0.0.1:${port}` }
        : { IPF_HTTP_URL: `http://127.0.0.1:${port}/` },
    );
    const result = await runAsKeepalived(installAlone(check), env);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: '' });
    expect(readOutputs(check, env).record).toMatchObject({ check, ok: true, passing: true });
  });

  it('fails on a closed port with one stderr line, the same line in IPF_LOG_TO, and a status record', async () => {
    const port = await closedPort();
    const env = isolatedEnv(
      check === 'tcp-check'
        ? { IPF_TCP_TARGETS: `127.0.0.1:${port}` }
        : { IPF_HTTP_URL: `http://127.0.0.1:${port}/` },
    );
    const result = await runAsKeepalived(installAlone(check), env);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${check}: FAIL .*ECONNREFUSED`));
    const { record, log } = readOutputs(check, env);
    expect(log.trimEnd()).toMatch(new RegExp(`^\\S+Z ${lines[0]?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(record).toMatchObject({ check, ok: false, passing: false, consecutive_failures: 1 });
    expect(record?.reason).toContain('ECONNREFUSED');
    expect(record?.duration_ms).toBeGreaterThan(0);
    expect(Math.abs((record?.at ?? 0) - Date.now() / 1000)).toBeLessThan(10);
  });

  it('with IPF_CHECK_FALL=3 fails only on the third failure in a row, then recovers on a pass', async () => {
    const port = await closedPort();
    const path = installAlone(check);
    const target = check === 'tcp-check' ? 'IPF_TCP_TARGETS' : 'IPF_HTTP_URL';
    const down = isolatedEnv({
      [target]: check === 'tcp-check' ? `127.0.0.1:${port}` : `http://127.0.0.1:${port}/`,
      IPF_CHECK_FALL: '3',
    });
    const codes: (number | null)[] = [];
    for (let run = 1; run <= 4; run++) {
      const result = await runAsKeepalived(path, down);
      codes.push(result.code);
      if (run < 3) expect(result.stderr).toContain(`(failure ${run} of IPF_CHECK_FALL=3, still passing)`);
    }
    expect(codes).toEqual([0, 0, 1, 1]);
    expect(readOutputs(check, down).record).toMatchObject({ consecutive_failures: 4, passing: false });

    const { port: live } = await tcpServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    );
    const up = {
      ...down,
      [target]: check === 'tcp-check' ? `127.0.0.1:${live}` : `http://127.0.0.1:${live}/`,
    };
    expect((await runAsKeepalived(path, up)).code).toBe(0);
  });

  it('treats a corrupt state file as a fresh start', async () => {
    const env = isolatedEnv({ OPENSHIFT_HA_MONITOR_PORT: '0', IPF_HTTP_URL: 'http://127.0.0.1:9/' });
    const path = installAlone(check);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(env.IPF_STATE_DIR, { recursive: true });
    writeFileSync(join(env.IPF_STATE_DIR, `check-${check}.json`), '{"passing": tru');
    const result = await runAsKeepalived(path, { ...env, IPF_CHECK_FALL: '2', IPF_CHECK_TIMEOUT_MS: '300' });
    expect(result.code).toBe(0);
    expect(readOutputs(check, env).record).toMatchObject({ check });
  });

  it('--validate prints the settings and exits 0, or exits 1 naming each bad setting', async () => {
    const path = installAlone(check);
    const good = await runAsKeepalived(
      path,
      isolatedEnv({ IPF_TCP_TARGETS: '127.0.0.1:1', IPF_HTTP_URL: 'http://127.0.0.1:1/' }),
      ['--validate'],
    );
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`${check}: settings are valid; deadline 1700 ms`);
    const bad = await runAsKeepalived(path, isolatedEnv({ IPF_CHECK_RISE: 'x', IPF_HTTP_STATSU: '200' }), [
      '--validate',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${check}: IPF_HTTP_STATSU: unknown setting; did you mean IPF_HTTP_STATUS?`);
    expect(bad.stderr).toContain(`${check}: IPF_CHECK_RISE: expected a whole number from 1 to 1000, got "x"`);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 at once on SIGTERM, as keepalived sends at its timeout', async () => {
    const { port } = await tcpServer(() => {});
    const env = isolatedEnv({
      IPF_TCP_TARGETS: `127.0.0.1:${port}`,
      IPF_TCP_EXPECT: 'never',
      IPF_HTTP_URL: `http://127.0.0.1:${port}/`,
      OPENSHIFT_HA_CHECK_INTERVAL: '30',
    });
    const result = await terminateMidRun(installAlone(check), env);
    expect(result.code).toBe(1);
    expect(result.exitedAfterMs).toBeLessThan(500);
    expect(result.stderr).toMatch(new RegExp(`^${check}: FAIL terminated by SIGTERM while`));
    expect(readOutputs(check, env).record?.reason).toMatch(/^terminated by SIGTERM/);
  });
});
