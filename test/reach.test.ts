import { describe, expect, it } from 'vitest';
import { metricNames } from '../exporter/metric-names.ts';
import { append, exporterIn, sample, spoolDir, transitionLine, waitFor } from './support/exporter.ts';
import { connectedHosts, TEST_SUBNET } from './support/netns.ts';

const held = `${TEST_SUBNET}.10`;
const nobody = `${TEST_SUBNET}.11`;

describe('VIP reachability from another node (namespaces, the built exporter)', () => {
  it('a held VIP answers (RST on a closed port), one nobody holds does not, its own is not probed; the outage is observed when it answers', async () => {
    const [observer, owner] = connectedHosts();
    owner.exec('ip', ['addr', 'add', `${held}/32`, 'dev', 'eth0']);
    const { scrape } = exporterIn(observer, {
      IPF_STATE_DIR: spoolDir(),
      IPF_LOG_TO: 'none',
      OPENSHIFT_HA_CONFIG_NAME: 'lab',
      OPENSHIFT_HA_VIRTUAL_IPS: `${observer.address},${held},${nobody}`,
      // Nothing listens on 8080 on the owner: its kernel answers with a RST, which counts.
      OPENSHIFT_HA_MONITOR_PORT: '8080',
      IPF_REACH_INTERVAL_MS: '100',
      IPF_REACH_TIMEOUT_MS: '100',
    });
    const reachable = (metrics: string, vip: string) =>
      sample(metrics, `${metricNames.vipReachable}{vip="${vip}"}`);
    const seen = await waitFor(
      'both remote VIPs probed',
      () => {
        const metrics = scrape();
        return reachable(metrics, held) !== undefined && reachable(metrics, nobody) !== undefined
          ? metrics
          : undefined;
      },
      20_000,
    );
    expect(reachable(seen, held)).toBe(1);
    expect(reachable(seen, nobody)).toBe(0);
    expect(reachable(seen, observer.address), 'the VIP on its own interface').toBeUndefined();
    expect(sample(seen, `${metricNames.vipUnreachable}_count{vip="${nobody}"}`) ?? 0).toBe(0);

    // The VIP appears on the owner, as after a failover: answered again, and one outage observed.
    const appeared = Date.now();
    owner.exec('ip', ['addr', 'add', `${nobody}/32`, 'dev', 'eth0']);
    const after = await waitFor(
      'the outage observed',
      () => {
        const metrics = scrape();
        return sample(metrics, `${metricNames.vipUnreachable}_count{vip="${nobody}"}`) === 1
          ? metrics
          : undefined;
      },
      20_000,
    );
    const waited = (Date.now() - appeared) / 1000;
    expect(reachable(after, nobody)).toBe(1);
    const outage = sample(after, `${metricNames.vipUnreachable}_sum{vip="${nobody}"}`) ?? 0;
    expect(outage).toBeGreaterThan(0.5);
    expect(sample(after, `${metricNames.vipUnreachable}_bucket{le="+Inf",vip="${nobody}"}`)).toBe(1);
    console.log(
      `outage observed: ${outage.toFixed(2)} s; answered ${waited.toFixed(2)} s after the address appeared`,
    );
  });

  it('254 VIPs that drop everything: connections in flight stay at IPF_REACH_CONCURRENCY, and scrapes and the spool go on', {
    timeout: 60_000,
  }, async () => {
    const [observer] = connectedHosts();
    const stateDir = spoolDir();
    const { scrape, pid } = exporterIn(observer, {
      IPF_STATE_DIR: stateDir,
      IPF_LOG_TO: 'none',
      IPF_SPOOL_POLL_MS: '100',
      OPENSHIFT_HA_CONFIG_NAME: 'web',
      // .2 is its own and .3 the other namespace's: nobody answers for the other 252.
      OPENSHIFT_HA_VIRTUAL_IPS: `${TEST_SUBNET}.1-254`,
      OPENSHIFT_HA_MONITOR_PORT: '80',
      IPF_REACH_INTERVAL_MS: '100',
      IPF_REACH_TIMEOUT_MS: '300',
      IPF_REACH_CONCURRENCY: '32',
    });
    const silent = (metrics: string) =>
      metrics
        .split('\n')
        .filter((line) => line.startsWith(`${metricNames.vipReachable}{`) && line.endsWith(' 0')).length;
    await waitFor('every other VIP probed once', () => (silent(scrape()) === 252 ? true : undefined), 30_000);
    let most = 0;
    for (let look = 0; look < 20; look++) {
      // ss walks the socket table while probes close and open: a snapshot of a running exporter can
      // count one socket closed and its successor both. Stopped, the exporter opens and closes
      // nothing, and its SYN-SENT sockets stay as they are, so the count is exact.
      process.kill(pid, 'SIGSTOP');
      try {
        const inFlight = observer
          .exec('ss', ['-Htn', 'state', 'syn-sent'])
          .split('\n')
          .filter(Boolean).length;
        most = Math.max(most, inFlight);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(most, 'SYNs in flight at most').toBeLessThanOrEqual(32);
    expect(most, 'and the probes do run').toBeGreaterThan(0);
    append(stateDir, transitionLine('web_VIP_1', 'MASTER', Date.now() / 1000));
    await waitFor(
      'the transition in /metrics while the probes wait',
      () =>
        sample(scrape(), `${metricNames.vrrpState}{vrrp_instance="web_VIP_1",state="master"}`) === 1
          ? true
          : undefined,
      10_000,
    );
  });
});
