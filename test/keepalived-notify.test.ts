import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipft } from './support/cli.ts';
import { exporterIn, sample, spoolDir, waitFor } from './support/exporter.ts';
import { temporaryDirectory } from './support/harness.ts';
import { singleHost } from './support/netns.ts';

/**
 * notify.sh run by a real keepalived on a test host (a network namespace), with the config
 * `ipft render` makes, and the built exporter in the same namespace reading what it wrote.
 */
describe('notify.sh under a real keepalived', () => {
  it('records BACKUP, MASTER, FAULT, BACKUP and MASTER again, and the exporter shows them with the VIP as ground truth', async () => {
    const host = singleHost(2);
    const stateDir = spoolDir();
    const work = temporaryDirectory();
    const failFlag = join(work, 'fail');
    const check = join(work, 'check.sh');
    writeFileSync(check, `#!/bin/bash\n[ ! -e ${failFlag} ]\n`);
    chmodSync(check, 0o755);
    const vip = '203.0.113.100';
    const imageEnv = {
      OPENSHIFT_HA_CONFIG_NAME: 'lab',
      OPENSHIFT_HA_VIRTUAL_IPS: vip,
      OPENSHIFT_HA_CHECK_SCRIPT: check,
      OPENSHIFT_HA_CHECK_INTERVAL: '1',
      OPENSHIFT_HA_NOTIFY_SCRIPT: resolve('dist/notify/notify.sh'),
    };
    const rendered = await ipft(['render', '--node-ip', host.address, '--interface', 'eth0'], imageEnv);
    const config = join(work, 'keepalived.conf');
    writeFileSync(config, rendered.stdout);
    const env = {
      PATH: process.env.PATH,
      ...imageEnv,
      IPF_STATE_DIR: stateDir,
      IPF_LOG_TO: join(work, 'hook.log'),
      NODE_NAME: 'test-node',
    };
    host.spawn(
      'keepalived',
      ['-n', '-l', '-P', '-f', config, '-p', join(work, 'k.pid'), '-r', join(work, 'v.pid')],
      env,
    );
    const { scrape } = exporterIn(host, { ...env, IPF_SPOOL_POLL_MS: '100' });
    const until = (what: string, predicate: (metrics: string) => boolean) =>
      waitFor(
        what,
        () => {
          const metrics = scrape();
          return predicate(metrics) ? metrics : undefined;
        },
        20_000,
      );
    const state = (metrics: string, name: string) =>
      sample(metrics, `ipfailover_vrrp_state{vrrp_instance="lab_VIP_1",state="${name}"}`);
    const present = (metrics: string) =>
      sample(metrics, `ipfailover_vip_present{vrrp_instance="lab_VIP_1",vip="${vip}"}`);

    await until(
      'MASTER with the VIP on eth0',
      (metrics) => state(metrics, 'master') === 1 && present(metrics) === 1,
    );
    writeFileSync(failFlag, '');
    await until(
      'FAULT without the VIP',
      (metrics) => state(metrics, 'fault') === 1 && present(metrics) === 0,
    );
    rmSync(failFlag);
    const metrics = await until('MASTER again', (text) => state(text, 'master') === 1 && present(text) === 1);

    expect(
      sample(
        metrics,
        'ipfailover_vrrp_transitions_total{vrrp_instance="lab_VIP_1",from="master",to="fault"}',
      ),
    ).toBe(1);
    // keepalived leaves FAULT through BACKUP, and waits out the master-down timer before MASTER again.
    expect(
      sample(
        metrics,
        'ipfailover_vrrp_transitions_total{vrrp_instance="lab_VIP_1",from="fault",to="backup"}',
      ),
    ).toBe(1);
    expect(
      sample(
        metrics,
        'ipfailover_vrrp_transitions_total{vrrp_instance="lab_VIP_1",from="backup",to="master"}',
      ),
    ).toBe(2);
    const spool = readFileSync(join(stateDir, 'transitions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(spool.map((record) => record.state)).toContain('FAULT');
    for (const record of spool)
      expect(record).toMatchObject({ node: 'test-node', type: 'INSTANCE', name: 'lab_VIP_1' });
    expect(readFileSync(join(work, 'hook.log'), 'utf8')).toMatch(/notify\.sh: lab_VIP_1 -> FAULT/);
  }, 60_000);
});
