import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { readBundles } from '../packaging/command.ts';
import { names, PACKAGE_DEFAULTS } from '../packaging/layout.ts';
import { PACKAGE_FILES } from '../packaging/package.ts';
import { removalCommand } from '../packaging/removal-job.ts';
import { checkWrapper, installNodeRuntimeScript } from '../packaging/shell-templates.ts';
import { ipft } from './support/cli.ts';
import { waitFor } from './support/exporter.ts';
import { temporaryDirectory } from './support/harness.ts';
import { singleHost, type TestHost } from './support/netns.ts';
import { bundleNode } from './support/node.ts';

/**
 * A PATH with ip and keepalived but no node (node is in /usr/bin here, and /bin is /usr/bin): what
 * the keepalived container of the ipfailover image has before the init container has run.
 */
const PATH_WITHOUT_NODE = '/usr/sbin';

interface Transition {
  name: string;
  state: string;
}

function readSpool(stateDir: string): Transition[] {
  const path = join(stateDir, 'transitions.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Transition);
}

const readText = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** `ipft package` into a fresh directory; `read(file)` parses one of its files. */
async function packaged(...argv: string[]) {
  const out = temporaryDirectory();
  const result = await ipft([
    'package',
    '--from-deployment',
    'deploy/example-deployment.yaml',
    '--out',
    out,
    ...argv,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (file: string) => parse(readFileSync(join(out, file), 'utf8'));
}

/**
 * keepalived as the keepalived container runs it: the config `ipft render` makes for `imageEnv`, no
 * node on PATH, and the toolkit's `env`. Returns the config.
 */
async function startKeepalived(
  host: TestHost,
  work: string,
  imageEnv: Record<string, string>,
  env: Record<string, string>,
): Promise<string> {
  const rendered = await ipft(['render', '--node-ip', host.address, '--interface', 'eth0'], imageEnv);
  const config = join(work, 'keepalived.conf');
  writeFileSync(config, rendered.stdout);
  host.spawn(
    'keepalived',
    ['-n', '-l', '-P', '-f', config, '-p', join(work, 'k.pid'), '-r', join(work, 'v.pid')],
    { PATH: PATH_WITHOUT_NODE, ...imageEnv, ...env, NODE_NAME: 'test-node' },
  );
  return rendered.stdout;
}

/** keepalived on a test host with the config `ipft render` makes, tcp-check through `wrapper`, notify.sh. */
async function keepalivedWithWrapper(host: TestHost, wrapper: string, vip: string) {
  const work = temporaryDirectory();
  const checks = join(work, 'checks');
  mkdirSync(checks);
  const check = join(checks, 'tcp-check');
  writeFileSync(check, wrapper);
  chmodSync(check, 0o755);
  copyFileSync('dist/checks/tcp-check.js', join(checks, 'tcp-check.js'));
  // The emptyDir of the pod: it exists before keepalived starts.
  const stateDir = join(work, 'state');
  mkdirSync(stateDir);
  const logFile = join(work, 'ipf.log');
  const imageEnv = {
    OPENSHIFT_HA_CONFIG_NAME: 'pkg',
    OPENSHIFT_HA_VIRTUAL_IPS: vip,
    OPENSHIFT_HA_CHECK_SCRIPT: check,
    OPENSHIFT_HA_CHECK_INTERVAL: '1',
    OPENSHIFT_HA_NOTIFY_SCRIPT: resolve('dist/notify/notify.sh'),
    // 0: tcp-check passes without connecting, so only the runtime decides.
    OPENSHIFT_HA_MONITOR_PORT: '0',
  };
  await startKeepalived(host, work, imageEnv, { IPF_STATE_DIR: stateDir, IPF_LOG_TO: logFile });
  const vipPresent = () => host.exec('ip', ['-o', 'addr', 'show', 'to', vip]).trim() !== '';
  return { stateDir, logFile, vipPresent };
}

describe('the check wrapper under a real keepalived', () => {
  it('without a node runtime the check fails with a reason line, and the instance goes to FAULT and stays there', async () => {
    // The wrapper as shipped in the one-shot scripts ConfigMap, with its fixed runtime path, absent here.
    const read = await packaged('--mode', 'oneshot');
    const shipped = read(PACKAGE_FILES.scripts).data['tcp-check'];
    expect(existsSync('/opt/ipfailover-toolkit/runtime/node')).toBe(false);
    const host = singleHost(21);
    const vip = '203.0.113.121';
    const { stateDir, logFile, vipPresent } = await keepalivedWithWrapper(host, shipped, vip);

    await waitFor('FAULT in the notify spool', () =>
      readSpool(stateDir).some((record) => record.name === 'pkg_VIP_1' && record.state === 'FAULT')
        ? true
        : undefined,
    );
    const failure =
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z tcp-check: FAIL node runtime not found at \/opt\/ipfailover-toolkit\/runtime\/node or on PATH \(the init container ipft-node-runtime did not run\? see: oc describe pod\)$/gm;
    // Three runs at a 1 s interval, every one a failure: never a pass, never a silent one.
    await waitFor(
      'three failure lines in IPF_LOG_TO',
      () => ((readText(logFile).match(failure) ?? []).length >= 3 ? true : undefined),
      15_000,
    );
    expect(readSpool(stateDir).map((record) => record.state)).toEqual(['FAULT']);
    expect(vipPresent()).toBe(false);
    expect(readText(logFile)).toMatch(/notify\.sh: pkg_VIP_1 -> FAULT/);
  }, 30_000);

  it('with the runtime install-node-runtime.sh copies, the same check passes and the instance becomes MASTER', async () => {
    const runtime = join(temporaryDirectory(), 'runtime');
    mkdirSync(runtime);
    const installer = join(temporaryDirectory(), 'install-node-runtime.sh');
    writeFileSync(installer, installNodeRuntimeScript(readBundles('dist').shellTemplates));
    const installed = spawnSync('/bin/bash', [installer, runtime], { encoding: 'utf8' });
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    expect(installed.stdout).toMatch(
      new RegExp(
        `^install-node-runtime\\.sh: node v\\d+\\.\\d+\\.\\d+ from \\S+ copied to ${runtime}, with \\d+ libraries: .*\\n$`,
      ),
    );

    const host = singleHost(22);
    const vip = '203.0.113.122';
    const { stateDir, logFile, vipPresent } = await keepalivedWithWrapper(
      host,
      checkWrapper(readBundles('dist').shellTemplates, 'tcp-check', runtime),
      vip,
    );
    await waitFor(
      'MASTER in the notify spool and the VIP on eth0',
      () =>
        readSpool(stateDir).some((record) => record.state === 'MASTER') && vipPresent() ? true : undefined,
      20_000,
    );
    // node ran the check: its status record is there, and passing.
    const record = JSON.parse(readFileSync(join(stateDir, 'check-tcp-check.json'), 'utf8'));
    expect(record).toMatchObject({ check: 'tcp-check', ok: true, passing: true });
    expect(readText(logFile)).not.toContain('FAIL');
  }, 40_000);
});

/** The literal value of a container's env entry, and the entries as a map (valueFrom as it is). */
function envOf(container: IContainer | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (container?.env ?? []).map((entry) => [entry.name, entry.value ?? entry.valueFrom]),
  );
}

describe('prober mode under a real keepalived', () => {
  it('verdict.sh (bash, no node) asks the real prober: FAULT while none listens, MASTER when the target listens, FAULT when it stops', async () => {
    // What the package makes: the scripts ConfigMap, the prober's bundle, the settings, and the patch's env.
    const read = await packaged('--check', 'tcp-check', '--prober-port', '29871');
    const scripts = read(PACKAGE_FILES.scripts).data as Record<string, string>;
    expect(Object.keys(scripts).sort()).toEqual(['notify.sh', 'verdict.sh']);
    const spec = read(PACKAGE_FILES.patch).spec.template.spec as IPodSpec;
    const keepalivedEnv = envOf(
      spec.containers.find((container) => container.name === PACKAGE_DEFAULTS.container),
    );
    const prober = spec.initContainers?.find((container) => container.name === names.proberContainer);
    const proberEnv = envOf(prober);
    expect(keepalivedEnv.OPENSHIFT_HA_CHECK_SCRIPT).toBe('/etc/ipfailover-toolkit/verdict.sh tcp-check');
    expect(keepalivedEnv.IPF_PROBER_PORT).toBe('29871');
    expect(proberEnv.IPF_PROBER_PORT).toBe('29871');
    for (const env of [keepalivedEnv, proberEnv]) {
      expect(env.IPF_POD_UID).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
    }
    expect(proberEnv.IPF_CHECKS).toBe('tcp-check');

    const work = temporaryDirectory();
    const mount = join(work, 'etc-ipfailover-toolkit');
    mkdirSync(mount);
    for (const [name, text] of Object.entries(scripts)) {
      writeFileSync(join(mount, name), text);
      chmodSync(join(mount, name), 0o755);
    }
    const proberBundle = join(work, 'prober.js');
    writeFileSync(proberBundle, read(PACKAGE_FILES.prober).data['prober.js']);
    const stateDir = join(work, 'state');
    mkdirSync(stateDir);
    const logFile = join(work, 'ipf.log');
    // The downward API gives both containers the same pod UID.
    const podUid = randomUUID();

    const host = singleHost(24);
    const vip = '203.0.113.124';
    const targetPort = 18124;
    const imageEnv = {
      OPENSHIFT_HA_CONFIG_NAME: 'pkg',
      OPENSHIFT_HA_VIRTUAL_IPS: vip,
      OPENSHIFT_HA_CHECK_SCRIPT: `${mount}/verdict.sh tcp-check`,
      OPENSHIFT_HA_CHECK_INTERVAL: '1',
      OPENSHIFT_HA_NOTIFY_SCRIPT: `${mount}/notify.sh`,
      OPENSHIFT_HA_MONITOR_PORT: '80',
    };
    // The keepalived container: the patch's env with the paths of this test.
    const config = await startKeepalived(host, work, imageEnv, {
      IPF_STATE_DIR: stateDir,
      IPF_PROBER_PORT: String(keepalivedEnv.IPF_PROBER_PORT),
      IPF_POD_UID: podUid,
      IPF_LOG_TO: logFile,
    });
    expect(config).toContain(`script "${mount}/verdict.sh tcp-check"`);
    const vipPresent = () => host.exec('ip', ['-o', 'addr', 'show', 'to', vip]).trim() !== '';
    const states = () => readSpool(stateDir).map((record) => record.state);

    // No prober yet (a regular sidecar that has not started): every run fails, with the reason.
    await waitFor(
      'FAULT while no prober listens',
      () => (states().includes('FAULT') ? true : undefined),
      15_000,
    );
    await waitFor(
      'two "no prober" lines',
      () =>
        (
          readText(logFile).match(
            /verdict\.sh: FAIL no prober on 127\.0\.0\.1:29871: is the ipft-prober container running\?/g,
          ) ?? []
        ).length >= 2
          ? true
          : undefined,
      10_000,
    );
    expect(vipPresent()).toBe(false);

    // The application the check targets, on the namespace's loopback.
    const target = host.spawn(process.execPath, [
      '-e',
      `require('net').createServer((s) => s.end()).listen(${targetPort}, '127.0.0.1')`,
    ]);
    // The prober container: the administrator's target (settings.env, by envFrom) and the patch's env.
    const proberProcess = host.spawn(bundleNode, [proberBundle], {
      IPF_CHECKS: String(proberEnv.IPF_CHECKS),
      IPF_TCP_TARGETS: `127.0.0.1:${targetPort}`,
      ...imageEnv,
      IPF_STATE_DIR: stateDir,
      IPF_PROBER_PORT: String(proberEnv.IPF_PROBER_PORT),
      IPF_POD_UID: podUid,
      IPF_LOG_TO: logFile,
      IPF_PROBER_DRAIN_S: '0',
    });
    let proberErr = '';
    proberProcess.stderr?.on('data', (chunk) => (proberErr += String(chunk)));
    await waitFor('the prober listening', () =>
      proberErr.includes('listening on 127.0.0.1:29871') ? true : undefined,
    );
    const listening = Date.now();
    await waitFor(
      'MASTER and the VIP on eth0',
      () => (states().includes('MASTER') && vipPresent() ? true : undefined),
      15_000,
    );
    // One interval (1 s) and keepalived's own steps: MASTER within a few seconds of the prober listening.
    expect(Date.now() - listening).toBeLessThan(6000);
    const verdict = JSON.parse(readFileSync(join(stateDir, 'check-verdict.json'), 'utf8'));
    expect(verdict).toMatchObject({ check: 'verdict', checks: 'tcp-check', ok: true, passing: true });
    expect(JSON.parse(readFileSync(join(stateDir, 'prober.json'), 'utf8'))).toMatchObject({
      checks: ['tcp-check'],
      port: 29871,
    });

    // The application stops: the prober's tcp-check fails, verdict.sh says so, and keepalived leaves MASTER.
    target.kill('SIGKILL');
    await waitFor(
      'FAULT after MASTER, and the VIP gone',
      () => (states().lastIndexOf('FAULT') > states().indexOf('MASTER') && !vipPresent() ? true : undefined),
      15_000,
    );
    expect(readText(logFile)).toMatch(
      new RegExp(`verdict\\.sh: FAIL tcp-check: .*127\\.0\\.0\\.1:${targetPort}`),
    );
    expect(proberProcess.exitCode).toBe(null);
  }, 60_000);
});

describe('install-node-runtime.sh', () => {
  it('fails with a reason when the image has no node', () => {
    const installer = join(temporaryDirectory(), 'install-node-runtime.sh');
    writeFileSync(installer, installNodeRuntimeScript(readBundles('dist').shellTemplates));
    const result = spawnSync('/bin/bash', [installer, temporaryDirectory()], {
      encoding: 'utf8',
      env: { PATH: PATH_WITHOUT_NODE },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `install-node-runtime.sh: no node on PATH (${PATH_WITHOUT_NODE}): is this a Node.js image?\n`,
    );
  });
});

describe('the removal Job’s script on a test host', () => {
  it('runs the image’s script with the env, then releases every VIP left, IPv6 and any prefix included', () => {
    const host = singleHost(23);
    const virtualIps = '203.0.113.130-132,2001:DB8::130';
    const vips = expandVirtualIps(virtualIps);
    expect(vips).toEqual(['203.0.113.130', '203.0.113.131', '203.0.113.132', '2001:DB8::130']);
    host.exec('ip', ['addr', 'add', '203.0.113.130/32', 'dev', 'eth0']);
    host.exec('ip', ['addr', 'add', '203.0.113.131/24', 'dev', 'eth0-peer']);
    host.exec('ip', ['addr', 'add', '203.0.113.132/32', 'dev', 'eth0']);
    host.exec('ip', ['-6', 'addr', 'add', '2001:db8::130/128', 'dev', 'eth0', 'nodad']);

    // Stands in for the image's remove-failover.sh: it releases addr/32 on its one interface, as the image's does.
    const work = temporaryDirectory();
    const imageScript = join(work, 'remove-failover.sh');
    writeFileSync(
      imageScript,
      `#!/bin/bash\nprintf '%s\\n' "$OPENSHIFT_HA_VIRTUAL_IPS" > ${work}/seen\nip addr del 203.0.113.132/32 dev eth0\n`,
    );
    chmodSync(imageScript, 0o755);
    const [command = '', ...args] = removalCommand(readBundles('dist').shellTemplates, imageScript, vips);
    const output = host.exec(command, args, {
      PATH: process.env.PATH,
      NODE_NAME: 'worker-9',
      OPENSHIFT_HA_VIRTUAL_IPS: virtualIps,
    });

    expect(readFileSync(join(work, 'seen'), 'utf8')).toBe(`${virtualIps}\n`);
    expect(output.trim().split('\n')).toEqual([
      `remove-ipfailover on worker-9: running ${imageScript}`,
      'remove-ipfailover on worker-9: released 203.0.113.130/32 from eth0',
      'remove-ipfailover on worker-9: released 203.0.113.131/24 from eth0-peer',
      'remove-ipfailover on worker-9: released 2001:db8::130/128 from eth0',
      'remove-ipfailover on worker-9: done: none of the 4 VIPs is on this node',
    ]);
    const left = host.exec('ip', ['-o', 'addr', 'show']);
    for (const address of ['203.0.113.130', '203.0.113.131', '203.0.113.132', '2001:db8::130']) {
      expect(left).not.toContain(`${address}/`);
    }
    expect(left).toContain(`${host.address}/24`);
  });
});
