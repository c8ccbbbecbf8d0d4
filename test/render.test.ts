import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainUsage } from '../cli/explain.ts';
import { lintUsage } from '../cli/lint.ts';
import { renderUsage } from '../cli/render.ts';
import { packageUsage } from '../packaging/usage.ts';
import { ipft } from './support/cli.ts';
import { temporaryDirectory } from './support/harness.ts';

const fixtures = 'test/fixtures/image-render';
const cases = readdirSync(fixtures).filter((name) => !name.includes('.'));

/** KEY=VALUE lines, the value being everything after the first `=`; NODE_IP and INTERFACE are parameters. */
function readCase(name: string) {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(fixtures, name, 'env'), 'utf8').split('\n')) {
    const equals = line.indexOf('=');
    if (equals > 0) env[line.slice(0, equals)] = line.slice(equals + 1);
  }
  const { NODE_IP = '', INTERFACE = '', ...image } = env;
  return {
    image,
    nodeIp: NODE_IP,
    interfaceName: INTERFACE,
    expected: readFileSync(join(fixtures, name, 'keepalived.conf'), 'utf8'),
  };
}

function keepalivedTest(config: string): { status: number | null; stderr: string } {
  const path = join(temporaryDirectory(), 'keepalived.conf');
  writeFileSync(path, config);
  const result = spawnSync('keepalived', ['-t', '-f', path], { encoding: 'utf8' });
  if (result.error)
    throw new Error(
      `keepalived is needed for these tests (apt-get install keepalived): ${result.error.message}`,
    );
  return { status: result.status, stderr: result.stderr };
}

describe('ipft render against the image’s own generator', () => {
  it('covers at least 12 inputs', () => expect(cases.length).toBeGreaterThanOrEqual(12));

  it.each(cases)('%s: the same bytes as the image wrote', async (name) => {
    const { image, nodeIp, interfaceName, expected } = readCase(name);
    const result = await ipft(
      ['render', '--node-ip', nodeIp, '--interface', interfaceName, '--seed', '42'],
      image,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expected);
  });

  it.each(cases)('%s: keepalived -t accepts it (0, or 6 for the script-security warning)', async (name) => {
    const { image, nodeIp, interfaceName } = readCase(name);
    const scripts = temporaryDirectory();
    const stub = (file: string) => {
      const path = join(scripts, file);
      writeFileSync(path, '#!/bin/sh\nexit 0\n');
      chmodSync(path, 0o755);
      return path;
    };
    const env = { ...image };
    if (env.OPENSHIFT_HA_CHECK_SCRIPT) env.OPENSHIFT_HA_CHECK_SCRIPT = stub('check');
    if (env.OPENSHIFT_HA_NOTIFY_SCRIPT) env.OPENSHIFT_HA_NOTIFY_SCRIPT = stub('notify');
    const rendered = await ipft(['render', '--node-ip', nodeIp, '--interface', interfaceName], env);
    const { status, stderr } = keepalivedTest(rendered.stdout);
    expect([0, 6], stderr).toContain(status);
  });
});

describe('ipft render from a file and from this machine', () => {
  it('reads --image-env', async () => {
    const file = join(temporaryDirectory(), 'ipfailover.env');
    writeFileSync(
      file,
      '# the deployment\nOPENSHIFT_HA_VIRTUAL_IPS=10.0.0.1-2\nOPENSHIFT_HA_CONFIG_NAME="web"\n',
    );
    const result = await ipft([
      'render',
      '--image-env',
      file,
      '--node-ip',
      '10.0.0.9',
      '--interface',
      'eth0',
    ]);
    expect(result.stdout).toContain('vrrp_instance web_VIP_2 {');
    expect(result.stdout).toContain('    10.0.0.2 dev eth0');
  });

  it('with no flags detects the interface and node IP as the image does', async () => {
    const result = await ipft(['render'], {
      OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1',
      OPENSHIFT_HA_NETWORK_INTERFACE: 'lo',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('   interface lo\n');
    expect(result.stdout).toContain('script "/bin/bash -c \'</dev/tcp/127.0.0.1/80\'"');
  });

  it('the built dist/cli.js reads --image-env /dev/zero as a bad file, at once, in one line', () => {
    const run = spawnSync('dist/cli.js', ['render', '--image-env', '/dev/zero'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'ipft render: --image-env: expected a readable KEY=value file, got "/dev/zero": /dev/zero is a character device, not a regular file\n',
    );
  });

  it('the built dist/cli.js runs alone', () => {
    const output = execFileSync('dist/cli.js', ['render', '--node-ip', '10.0.0.21', '--interface', 'eth0'], {
      env: { PATH: process.env.PATH, OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1' },
      encoding: 'utf8',
    });
    expect(output).toContain('virtual_router_id 11');
  });

  it.each([
    [
      ['render', '--image-env', '/nonexistent.env'],
      /^ipft render: --image-env: expected a readable KEY=value file, got "\/nonexistent.env": ENOENT/,
    ],
    [
      ['render', '--env-file=x.env'],
      /^ipft render: --env-file: expected --image-env FILE \(Node\.js itself reads/,
    ],
    [['render', '--seed', 'x'], /^ipft render: --seed: expected a whole number of 0 or more, got "x"/],
    [['render', '--colour'], /^ipft render: Unknown option '--colour'/],
    [['rendr'], /^ipft: unknown command "rendr"; expected one of/],
  ])('%j is a usage error, exit 2, one line', async (argv, message) => {
    const result = await ipft(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('ipft --help and -h: the usage on stdout, exit 0, for ipft and every command', () => {
  it.each([
    [[], 'usage: ipft <command> [options]'],
    [['render'], renderUsage],
    [['lint'], lintUsage],
    [['explain'], explainUsage],
    [['package'], packageUsage],
    [['package', '--mode', 'oneshot'], packageUsage],
  ])('the built dist/cli.js %j', (command, usage) => {
    for (const flag of ['--help', '-h']) {
      const result = spawnSync('dist/cli.js', [...command, flag], { encoding: 'utf8' });
      expect({ code: result.status, stderr: result.stderr }, flag).toEqual({ code: 0, stderr: '' });
      expect(result.stdout, flag).toContain(`${usage}\n`);
    }
  });

  it('reads -h after -- as an operand, as parseArgs does', async () => {
    const result = await ipft(['lint', '--', '-h']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ipft lint: -h: cannot read: ENOENT/);
  });
});

describe('the state MASTER / preempt_delay trap, on the image’s own config', () => {
  it('keepalived clears preempt_delay on exactly the instances the image starts as MASTER', async () => {
    const rendered = await ipft(['render', '--node-ip', '10.0.0.21', '--interface', 'eth0', '--seed', '42'], {
      OPENSHIFT_HA_CONFIG_NAME: 'trap',
      OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.100-103',
      OPENSHIFT_HA_REPLICA_COUNT: '2',
      OPENSHIFT_HA_PREEMPTION: 'preempt_delay 300',
    });
    expect(rendered.code).toBe(0);
    const masters = [...rendered.stdout.matchAll(/vrrp_instance (\S+) \{[^}]*?state MASTER/g)].map(
      (m) => m[1],
    );
    const instances = [...rendered.stdout.matchAll(/vrrp_instance (\S+) \{/g)].map((m) => m[1]);
    expect(masters.length).toBeGreaterThan(0);
    expect(masters.length).toBeLessThan(instances.length);
    expect(rendered.stdout.match(/preempt_delay 300/g)).toHaveLength(instances.length);
    const { stderr } = keepalivedTest(rendered.stdout);
    const cleared = [
      ...stderr.matchAll(
        /\((\S+)\) Warning - preempt delay will not work with initial state MASTER - clearing/g,
      ),
    ].map((m) => m[1]);
    expect(cleared).toEqual(masters);
  });

  it('ipft explain names it, with what to do', async () => {
    const result = await ipft(['explain']);
    expect(result.stdout).toContain('preempt_delay on the initial masters');
    expect(result.stdout).toMatch(/do: +Use `nopreempt`.*IPF_CHECK_RISE=N/);
  });
});

describe('ipft explain', () => {
  it('lists where the docs and the code disagree', async () => {
    const result = await ipft(['explain']);
    expect(result.code).toBe(0);
    for (const topic of [
      'OPENSHIFT_HA_VRRP_ID_OFFSET default',
      'OPENSHIFT_HA_USE_UNICAST',
      'The removal Job',
      'A failed check',
    ]) {
      expect(result.stdout).toContain(topic);
    }
  });
});
