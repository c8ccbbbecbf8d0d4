// The exporter's VIP reachability probes on loopback: a listener answers with a SYN-ACK, a closed
// port with a RST, and both mean the VIP is there. Silence (a dropped SYN, no ARP answer) needs a
// network of its own: test/reach.test.ts, in namespaces.
import { describe, expect, it } from 'vitest';
import { probeTcp, ReachProber } from '../../exporter/reach.ts';
import { localAddresses } from '../../exporter/sources.ts';
import { closedPort, tcpServer } from '../support/harness.ts';

describe('a reachability probe', () => {
  it('counts a SYN-ACK as an answer, and does not wait for the far side to speak', async () => {
    const { port } = await tcpServer(() => {});
    const result = await probeTcp('127.0.0.1', port, 1000);
    expect(result.reachable).toBe(true);
    expect(result.seconds).toBeLessThan(1);
  });

  it('counts a RST as an answer: the port need not be open', async () => {
    expect((await probeTcp('127.0.0.1', await closedPort(), 1000)).reachable).toBe(true);
  });
});

describe('the reachability prober', () => {
  const logs: string[] = [];
  const options = (vips: string[], port: number, healthy = () => true) => ({
    vips,
    port,
    intervalMs: 50,
    timeoutMs: 200,
    concurrency: 2,
    localAddresses,
    healthy,
    log: (line: string) => logs.push(line),
  });

  it('probes every VIP this node does not hold, and none it holds', async () => {
    const port = await closedPort();
    // 127.0.0.1 is on lo; the rest of 127/8 answers through lo without being an interface address.
    const prober = new ReachProber(
      options(['127.0.0.1', '127.0.1.1', '127.0.1.2', '127.0.1.3'], port),
      () => {},
    );
    await prober.probeAll();
    expect([...prober.results.keys()].sort()).toEqual(['127.0.1.1', '127.0.1.2', '127.0.1.3']);
    expect([...prober.results.values()].every((result) => result.reachable)).toBe(true);
  });

  it('logs a round that throws and goes on with the next', async () => {
    let rounds = 0;
    const prober = new ReachProber(
      {
        ...options(['127.0.1.1'], await closedPort()),
        localAddresses: () => {
          rounds += 1;
          if (rounds === 1) throw new Error('no interfaces');
          return localAddresses();
        },
      },
      () => {},
    );
    prober.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await prober.close();
    expect(logs).toContain('VIP reachability round failed: no interfaces');
    expect(rounds).toBeGreaterThan(1);
    expect(prober.results.get('127.0.1.1')?.reachable).toBe(true);
  });

  it('starts no probe while the state directory or the spool is unhealthy', async () => {
    const prober = new ReachProber(
      options(['127.0.1.1'], await closedPort(), () => false),
      () => {},
    );
    await prober.probeAll();
    expect(prober.results.size).toBe(0);
  });

  it('runs rounds one after another until closed, and close waits for the round in flight', async () => {
    let probes = 0;
    const prober = new ReachProber(
      {
        ...options(['127.0.1.1'], await closedPort()),
        probe: (...args) => {
          probes += 1;
          return probeTcp(...args);
        },
      },
      () => {},
    );
    prober.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await prober.close();
    const seen = probes;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probes, 'no probe after close').toBe(seen);
  });
});
