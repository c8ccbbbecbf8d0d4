import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpSettings, statusRanges } from '../../checks/http/settings.ts';
import { escapedText, tcpSettings } from '../../checks/tcp/settings.ts';
import { deadlineMs, probeSettings } from '../../core/common-settings.ts';
import { endpoint } from '../../core/endpoint.ts';
import { defaultRouteDevice, type HostNetwork } from '../../core/ipfailover/node.ts';
import { monitorPort, resolveNodeTarget } from '../../core/node-target.ts';
import { type Check, passed, type RunSettings, runCheck } from '../../core/probe.ts';
import type { SettingsOf } from '../../core/setting-names.ts';
import { knownSettingNames } from '../../core/setting-names.ts';
import { optional, readSettings, specFor, text, unknownSettings } from '../../core/settings.ts';
import { specSettingNames } from '../../scripts/settings-catalog.ts';
import { isolatedEnv, temporaryDirectory } from '../support/harness.ts';

describe('bad settings: each value paired with its exact message', () => {
  const cases: [string, string, string][] = [
    [
      'IPF_TCP_TARGETS',
      'db:5432,cache',
      'IPF_TCP_TARGETS: expected host:port, with IPv6 written as [addr]:port, got "cache" (entry 2 of 2)',
    ],
    [
      'IPF_TCP_TARGETS',
      'db:99999',
      'IPF_TCP_TARGETS: expected a port from 1 to 65535, got "db:99999" (entry 1 of 1)',
    ],
    [
      'IPF_TCP_TARGETS',
      '::1:80',
      'IPF_TCP_TARGETS: expected host:port, with IPv6 written as [addr]:port, got "::1:80" (entry 1 of 1)',
    ],
    ['IPF_TCP_TARGETS', ',', 'IPF_TCP_TARGETS: expected a comma-separated list of 1 to 64 entries, got ","'],
    ['IPF_TCP_MODE', 'most', 'IPF_TCP_MODE: expected one of all, any, got "most"'],
    [
      'IPF_TCP_EXPECT',
      '([',
      'IPF_TCP_EXPECT: expected a JavaScript regular expression (Invalid regular expression: /([/: Unterminated character class), got "(["',
    ],
    [
      'IPF_CHECK_TIMEOUT_MS',
      '1.5s',
      'IPF_CHECK_TIMEOUT_MS: expected a whole number of milliseconds from 1 to 3600000, got "1.5s"',
    ],
    ['IPF_CHECK_FALL', '0', 'IPF_CHECK_FALL: expected a whole number from 1 to 1000, got "0"'],
    [
      'OPENSHIFT_HA_CHECK_INTERVAL',
      'two',
      'OPENSHIFT_HA_CHECK_INTERVAL: expected a whole number of seconds from 1 to 4294 (keepalived 2.2 ignores any other interval), got "two"',
    ],
    [
      'OPENSHIFT_HA_MONITOR_PORT',
      '70000',
      'OPENSHIFT_HA_MONITOR_PORT: expected a port from 1 to 65535, or 0 to disable the default check, got "70000"',
    ],
    [
      'OPENSHIFT_HA_MONITOR_PORT',
      '00',
      'OPENSHIFT_HA_MONITOR_PORT: expected a port from 1 to 65535, or 0 to disable the default check, got "00"',
    ],
    [
      'IPF_HTTP_URL',
      'ftp://x/',
      'IPF_HTTP_URL: expected an http:// or https:// URL, got "ftp://x/" (entry 1 of 1)',
    ],
    [
      'IPF_HTTP_URL',
      'http://ok/,not a url',
      'IPF_HTTP_URL: expected an http:// or https:// URL, got "not a url" (entry 2 of 2)',
    ],
    [
      'IPF_HTTP_URL',
      'http://u:p@h/',
      'IPF_HTTP_URL: expected a URL without credentials (use IPF_HTTP_HEADER_FILES with an Authorization header), got "http://<credentials hidden>@h/" (entry 1 of 1)',
    ],
    ['IPF_HTTP_METHOD', 'POST', 'IPF_HTTP_METHOD: expected one of GET, HEAD, got "POST"'],
    [
      'IPF_HTTP_STATUS',
      '2xx',
      'IPF_HTTP_STATUS: expected status codes and ranges from 100 to 599, such as 200-399 or 200,204, got "2xx"',
    ],
    [
      'IPF_HTTP_STATUS',
      '399-200',
      'IPF_HTTP_STATUS: expected status codes and ranges from 100 to 599, such as 200-399 or 200,204, got "399-200"',
    ],
    [
      'IPF_HTTP_HEADERS',
      'X-A: 1; broken',
      'IPF_HTTP_HEADERS: expected headers as `Name: value; Name: …`, got entry 2 of 2, which has no colon (6 characters, not shown)',
    ],
    ['IPF_HTTP_INSECURE', 'yes', 'IPF_HTTP_INSECURE: expected one of true, false, got "yes"'],
    [
      'IPF_HTTP_MAX_BODY',
      '10 parsecs',
      'IPF_HTTP_MAX_BODY: expected a size in bytes up to 4194304, such as 65536, 64KiB or 1MiB, got "10 parsecs"',
    ],
    [
      'IPF_HTTP_MAX_BODY',
      '0',
      'IPF_HTTP_MAX_BODY: expected a size in bytes up to 4194304, such as 65536, 64KiB or 1MiB, got "0"',
    ],
    [
      'IPF_HTTP_CA_FILE',
      '/nonexistent/ca.pem',
      'IPF_HTTP_CA_FILE: expected a readable regular file of at most 1 MiB (ENOENT: no such file or directory, open \'/nonexistent/ca.pem\'), got "/nonexistent/ca.pem"',
    ],
  ];
  const spec = { ...probeSettings, ...tcpSettings, ...httpSettings };
  it.each(cases)('%s=%j', (name, raw, message) => {
    expect(readSettings(spec, { [name]: raw }).problems).toEqual([message]);
  });

  it('reports every bad setting at once, not only the first', () => {
    expect(readSettings(spec, { IPF_TCP_MODE: 'x', IPF_HTTP_METHOD: 'y' }).problems).toHaveLength(2);
  });

  it('treats an empty value as unset, so the default applies', () => {
    expect(readSettings(probeSettings, { IPF_CHECK_FALL: '' }).values.IPF_CHECK_FALL).toBe(1);
  });
});

describe('good settings', () => {
  it.each([
    ['200-399', [[200, 399]]],
    [
      '200,204,300-399',
      [
        [200, 200],
        [204, 204],
        [300, 399],
      ],
    ],
    [' 500 ', [[500, 500]]],
  ])('status %j', (raw, ranges) => expect(statusRanges(raw)).toEqual(ranges));

  it.each([
    ['db.local:5432', { host: 'db.local', port: 5432 }],
    ['10.0.0.1:80', { host: '10.0.0.1', port: 80 }],
    ['[fd00::1]:443', { host: 'fd00::1', port: 443 }],
  ])('endpoint %j', (raw, parsed) => expect(endpoint(raw)).toEqual(parsed));

  it.each([
    ['80', 80],
    ['8o8o', 88],
    ['', 80],
    ['port', 80],
    ['0', 0],
  ])('monitor port %j strips non-digits as the image does', (raw, port) =>
    expect(monitorPort(raw)).toBe(port),
  );

  it('unescapes the TCP send text', () => expect(escapedText('PING\\r\\n\\\\')).toBe('PING\r\n\\'));

  it.each([
    ['64KiB', 65536],
    ['1MiB', 1048576],
    ['100', 100],
    ['2k', 2048],
  ])('size %j', (raw, bytes) =>
    expect(readSettings(httpSettings, { IPF_HTTP_MAX_BODY: raw }).values.IPF_HTTP_MAX_BODY).toBe(bytes),
  );
});

describe('unknown IPF_ names', () => {
  it('the list of known names is exactly the names of every part’s settings', () => {
    expect([...knownSettingNames].sort()).toEqual([...specSettingNames].sort());
  });

  it('a spec may define only the IPF_* settings the table gives its readers (tsc checks it)', () => {
    const checkSpec = specFor<SettingsOf<'check'>>();
    const setting = optional(text, 'x');
    expect(
      Object.keys(checkSpec({ IPF_HTTP_HOST: setting, OPENSHIFT_HA_MONITOR_PORT: setting })),
    ).toHaveLength(2);
    // @ts-expect-error The prober reads it, not a check: the table places it in another container.
    checkSpec({ IPF_MAINTENANCE_FILE: setting });
    // @ts-expect-error Not a name of the table.
    checkSpec({ IPF_HTTP_STAUTS: setting });
  });

  it('suggests the closest real name', () => {
    expect(
      unknownSettings({ IPF_HTTP_STAUTS: '200', IPF_TCP_TARGET: 'a:1', PATH: '/bin' }, knownSettingNames),
    ).toEqual([
      'IPF_HTTP_STAUTS: unknown setting; did you mean IPF_HTTP_STATUS?',
      'IPF_TCP_TARGET: unknown setting; did you mean IPF_TCP_TARGETS?',
    ]);
  });

  it('accepts the settings of other checks, which share the pod environment', () => {
    expect(
      unknownSettings(
        { IPF_HTTP_URL: 'http://x/', IPF_TCP_MODE: 'any', IPF_STATE_DIR: '/x' },
        knownSettingNames,
      ),
    ).toEqual([]);
  });
});

describe('deadline', () => {
  it.each([
    [2, undefined, 1700],
    [2, 500, 500],
    [2, 5000, 1700],
    [1, undefined, 700],
    [0.5, undefined, 200],
  ])('interval %s s, IPF_CHECK_TIMEOUT_MS %s: %s ms', (interval, timeout, deadline) => {
    expect(deadlineMs(interval, timeout)).toBe(deadline);
  });
});

describe('the image’s default target', () => {
  const address = (ip: string, family: 'IPv4' | 'IPv6' = 'IPv4') => ({
    address: ip,
    family,
    netmask: '',
    mac: '',
    internal: false,
    cidr: null,
    scopeid: 0,
  });
  const network = (names: Record<string, string[]>, defaultRoute?: string): HostNetwork => ({
    interfaces: Object.fromEntries(
      Object.entries(names).map(([name, ips]) => [
        name,
        ips.map((ip) => address(ip, ip.includes(':') ? 'IPv6' : 'IPv4')),
      ]),
    ),
    defaultRouteDevice: defaultRoute,
  });
  const values = (port: number, iface?: string) => ({
    OPENSHIFT_HA_MONITOR_PORT: port,
    OPENSHIFT_HA_NETWORK_INTERFACE: iface,
  });

  it('uses the first IPv4 address of the named interface', () => {
    const target = resolveNodeTarget(
      values(80, 'br-ex'),
      network({ 'br-ex': ['fe80::1', '10.0.0.21', '10.0.0.99'] }),
    );
    expect(target.endpoint).toEqual({ host: '10.0.0.21', port: 80 });
  });

  it('auto-detects enp0s3, enp0s8, eth1, ens3 in that order before the default route', () => {
    const nodes = network({ eth0: ['10.0.0.1'], ens3: ['10.0.0.3'], eth1: ['10.0.0.2'] }, 'eth0');
    expect(resolveNodeTarget(values(8080), nodes).endpoint).toEqual({ host: '10.0.0.2', port: 8080 });
    expect(resolveNodeTarget(values(8080), network({ eth0: ['10.0.0.1'] }, 'eth0')).endpoint?.host).toBe(
      '10.0.0.1',
    );
  });

  it('falls back like the image when the named interface does not exist', () => {
    expect(resolveNodeTarget(values(80, 'br-ex'), network({ eth1: ['10.0.0.2'] })).endpoint?.host).toBe(
      '10.0.0.2',
    );
  });

  it('has no target with port 0, where the image runs `true`', () => {
    expect(resolveNodeTarget(values(0), network({})).endpoint).toBeUndefined();
  });

  it('targets 127.0.0.1 when the interface has no IPv4 address, as the image does', () => {
    const target = resolveNodeTarget(values(80, 'eth1'), network({ eth1: ['fd00::2'] }));
    expect(target.endpoint).toEqual({ host: '127.0.0.1', port: 80 });
    expect(target.origin).toBe('127.0.0.1, because eth1 has no IPv4 address and the image falls back to it');
  });

  it('reads the default route device from a route table', () => {
    const table = join(temporaryDirectory(), 'route');
    writeFileSync(
      table,
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n' +
        'eth9\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n' +
        'eth7\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n',
    );
    expect(defaultRouteDevice(table)).toBe('eth7');
  });
});

describe('what the runner gives a check', () => {
  it('configure gets the resolved deadline and state directory; the probe, the time left', async () => {
    const seen: { run?: RunSettings; remaining?: number } = {};
    const check: Check<Record<string, never>, RunSettings> = {
      name: 'context-check',
      settings: {},
      configure: (_, run) => run,
      describe: () => [],
      probe: async (run, context) => {
        seen.run = run;
        seen.remaining = context.remainingMs();
        return passed;
      },
    };
    const env = isolatedEnv({ OPENSHIFT_HA_CHECK_INTERVAL: '3', IPF_CHECK_TIMEOUT_MS: '900' });
    expect(await runCheck(check, { argv: [], env, stderr: () => {} })).toBe(0);
    expect(seen.run).toEqual({ deadlineMs: 900, stateDir: env.IPF_STATE_DIR });
    expect(seen.remaining).toBeGreaterThan(0);
    expect(seen.remaining).toBeLessThanOrEqual(900);
  });
});
