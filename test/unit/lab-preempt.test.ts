// The preempt scenario's plan, from the keepalived.conf `ipft render` writes for each lab host:
// which VIPs are preferred by an instance that starts as MASTER (preempt_delay cleared) and which
// by one that starts as BACKUP. Real renderer, the lab's own env; no lab needed.
import { describe, expect, it } from 'vitest';
import { render } from '../../cli/render.ts';
import { choosePreferred, type PreferredHolder, parseInstances } from '../../lab/scenario-kit.ts';
import { hostsCoveringBothKinds } from '../../lab/scenarios.ts';
import { labImageEnv, topology } from '../../lab/topology.ts';

async function renderFor(env: Record<string, string>, nodeIp: string): Promise<string> {
  let out = '';
  const context = { env, stdout: (text: string) => (out += text), stderr: () => undefined };
  await render(['--node-ip', nodeIp, '--interface', 'eth0'], context);
  return out;
}

describe('the preempt scenario plan on the lab’s default layout', () => {
  it('has both kinds of preferred instance, on one host', async () => {
    const top = topology('203.0.113', 3);
    const env = labImageEnv(top);
    const vips = ['203.0.113.100', '203.0.113.101', '203.0.113.102', '203.0.113.103'];
    const rendered = [];
    for (const host of top.hosts) {
      const instances = parseInstances(await renderFor(env, host.address), vips);
      expect(instances.map((instance) => instance.vips)).toEqual(vips.map((vip) => [vip]));
      rendered.push({ host: host.name, instances });
    }
    const preferred = choosePreferred(rendered);
    expect([...preferred.keys()].sort()).toEqual(vips);
    const kinds = [...preferred.values()].map((holder) => holder.startsMaster);
    expect(kinds).toContain(true);
    expect(kinds).toContain(false);
    const chosen = hostsCoveringBothKinds(preferred);
    expect(chosen).toHaveLength(1);
    const mine = [...preferred.values()].filter((holder) => holder.host === chosen[0]);
    expect(new Set(mine.map((holder) => holder.startsMaster))).toEqual(new Set([true, false]));
  });

  it('falls back to one host per kind', () => {
    const holder = (host: string, startsMaster: boolean): PreferredHolder => ({
      host,
      instance: 'x',
      priority: 1,
      startsMaster,
    });
    const split = new Map([
      ['a', holder('h1', true)],
      ['b', holder('h2', false)],
      ['c', holder('h3', true)],
    ]);
    expect(hostsCoveringBothKinds(split)).toEqual(['h1', 'h2']);
    expect(hostsCoveringBothKinds(new Map([['a', holder('h1', true)]]))).toEqual(['h1']);
  });
});
