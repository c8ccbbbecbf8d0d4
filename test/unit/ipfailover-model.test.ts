import { describe, expect, it } from 'vitest';
import { probeSettings } from '../../core/common-settings.ts';
import {
  bashArithmetic,
  type ImageVariableName,
  imageMonitorPort,
  imageValue,
  imageVariables,
  isUsableMonitorPort,
  readImageSettings,
} from '../../core/ipfailover/image-env.ts';
import {
  assignVrids,
  bashRandom,
  checkScriptName,
  groupVips,
  ipSlot,
  placeInstances,
  planInstances,
  scrubName,
} from '../../core/ipfailover/instances.ts';
import { checkCommand } from '../../core/ipfailover/render.ts';
import { expandVirtualIps } from '../../core/ipfailover/vips.ts';
import { nodeTargetSettings } from '../../core/node-target.ts';

describe('OPENSHIFT_HA_VIRTUAL_IPS expanded as the image does', () => {
  it.each([
    ['1.2.3.4-6,1.2.3.9', ['1.2.3.4', '1.2.3.5', '1.2.3.6', '1.2.3.9']],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.1.1.1/24', ['10.1.1.124']],
    ['1.1.1.1 2.2.2.2', []],
    ['1.1.1.1, 2.2.2.2,3.3.3.3-4  4.4.4.4', ['1.1.1.1', '2.2.2.2', '3.3.3.3', '3.3.3.4']],
    ['a,,10.0.0.1,', ['10.0.0.1']],
    ['10.0.0.250-252', ['10.0.0.250', '10.0.0.251', '10.0.0.252']],
    ['10.0.0.254-256', ['10.0.0.254', '10.0.0.255', '10.0.0.256']],
    ['10.0.0.5-3', []],
    ['10.0.0.1-10.0.1.3', ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    ['10.0.0.1-3-5', ['10.0.0.1', '10.0.0.2', '10.0.0.3']],
    ['10.0.0.08-09', ['10.0.0.8', '10.0.0.9']],
    ['300.1.1.1', []],
    ['10.0.0.1,10.0.0.1', ['10.0.0.1', '10.0.0.1']],
    ['fe80::1%eth0', ['fe80::1e0']],
    ['2001:DB8::9-B', ['2001:DB8::9', '2001:DB8::A', '2001:DB8::B']],
    ['2001:DB8:1ABC::1F39-1F3B', ['2001:DB8:1ABC::1F39', '2001:DB8:1ABC::1F3A', '2001:DB8:1ABC::1F3B']],
    ['2001:db8:1abc::1f39-1f3b', []],
    ['2001:db8::A-c', []],
    ['2001:DB8::5-2001:DB8::7', ['2001:DB8::1', '2001:DB8::2', '2001:DB8::3', '2001:DB8::4', '2001:DB8::5']],
    ['::1', ['::1']],
    ['2001:db8::', []],
    ['10.0.0.1\n10.0.0.2', ['10.0.0.1', '10.0.0.2']],
  ])('%j', (raw, vips) => expect(expandVirtualIps(raw)).toEqual(vips));
});

describe('VIP groups', () => {
  const vips = (count: number) => Array.from({ length: count }, (_, index) => `10.0.0.${index + 1}`);
  it.each([
    [7, '3', [3, 2, 2]],
    [7, '', [1, 1, 1, 1, 1, 1, 1]],
    [7, '0', [1, 1, 1, 1, 1, 1, 1]],
    [7, 'x', [1, 1, 1, 1, 1, 1, 1]],
    [3, '5', [1, 1, 1]],
    [4, '2', [2, 2]],
    [10, '3', [4, 3, 3]],
    [0, '3', []],
  ])('%s VIPs in groups %j', (count, groups, sizes) => {
    expect(groupVips(vips(count), groups).map((group) => group.length)).toEqual(sizes);
  });
});

describe('VRIDs', () => {
  it.each([
    ['10', '', [11, 12, 13, 14, 15]],
    ['10', '12', [11, 13, 14, 15, 16]],
    ['10', '12 13', [11, 14, 15, 16, 17]],
    ['10', '12,13', [11, 12, 13, 14, 15]],
    ['10', '11 12 13 14 15', [16, 17, 18, 19, 20]],
    ['0', '', [1, 2, 3, 4, 5]],
    ['010', '', [9, 10, 11, 12, 13]],
    ['250', '', [251, 252, 253, 254, 255]],
    ['abc', '', [1, 2, 3, 4, 5]],
  ])('offset %j, excluded %j', (offset, excluded, vrids) => {
    expect(assignVrids(5, offset, excluded)).toEqual(vrids);
  });

  it('an offset bash cannot read (08) yields no instance at all', () => {
    expect(assignVrids(5, '08', '')).toBeUndefined();
    expect(
      planInstances(
        readImageSettings({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1', OPENSHIFT_HA_VRRP_ID_OFFSET: '08' }),
      ),
    ).toEqual([]);
  });
});

describe('bash arithmetic', () => {
  it.each([
    ['10', 10],
    [' 3 ', 3],
    ['', 0],
    ['010', 8],
    ['0x1f', 31],
    ['-2', -2],
    ['abc', 0],
    ['08', undefined],
    ['2x', undefined],
  ])('%j is %j', (raw, value) => expect(bashArithmetic(raw)).toBe(value));
});

describe('names', () => {
  /** Config name: [instance base name, check name]. */
  const names: Record<string, [string, string]> = {
    'OpenShift-IPFailover': ['OpenShift_IPFailover', 'chk_OpenShift_IPFailover'],
    'ha-1': ['ha_1', 'chk_ha_1'],
    'my ipf': ['myipf', 'chk_my ipf'],
    'x.y-z': ['xy_z', 'chk_x.y_z'],
    'Ünï-cödé': ['n_cd', 'chk_Ünï_cödé'],
  };
  it.each(Object.entries(names))('%j: instances and check %j', (name, [scrubbed, check]) => {
    expect(scrubName(name)).toBe(scrubbed);
    expect(checkScriptName(name)).toBe(check);
  });

  it('names instances <scrubbed name>_VIP_<n>', () => {
    const plan = planInstances(readImageSettings({ OPENSHIFT_HA_VIRTUAL_IPS: '10.0.0.1-2' }));
    expect(plan.map((instance) => instance.name)).toEqual([
      'OpenShift_IPFailover_VIP_1',
      'OpenShift_IPFailover_VIP_2',
    ]);
  });
});

describe('the check line', () => {
  const settings = (env: Record<string, string>) => readImageSettings(env);
  it.each([
    [{}, '10.0.0.21', "/bin/bash -c '</dev/tcp/10.0.0.21/80'"],
    [{ OPENSHIFT_HA_MONITOR_PORT: '8o8o' }, '10.0.0.21', "/bin/bash -c '</dev/tcp/10.0.0.21/88'"],
    [{ OPENSHIFT_HA_MONITOR_PORT: '0' }, '10.0.0.21', 'true'],
    [{ OPENSHIFT_HA_MONITOR_PORT: '00' }, '10.0.0.21', "/bin/bash -c '</dev/tcp/10.0.0.21/00'"],
    [{}, '', "/bin/bash -c '</dev/tcp/127.0.0.1/80'"],
    [
      { OPENSHIFT_HA_MONITOR_PORT: '0', OPENSHIFT_HA_CHECK_SCRIPT: '/x/check.js' },
      '10.0.0.21',
      '/x/check.js',
    ],
  ])('%j on %j', (env, nodeIp, line) => expect(checkCommand(settings(env), nodeIp)).toBe(line));
});

describe('initial placement', () => {
  /** M250 for a master at 250; r for a random slave priority. */
  const pattern = (nodeIp: string, replicas: string, preemption = 'preempt_delay 300') =>
    placeInstances(6, nodeIp, { replicaCount: replicas, preemption }, bashRandom(42))
      .map(({ master, priority }) =>
        priority >= 128 || master
          ? `${master ? 'M' : ''}${priority}`
          : priority <= (ipSlot(nodeIp) % 64) + 31
            ? 'r'
            : `${priority}`,
      )
      .join(' ');

  it.each([
    ['10.0.0.5', '1', 'M250 M6 M250 M6 M250 M6'],
    ['10.0.0.5', '2', 'r M250 r M6 r M250'],
    ['10.0.0.5', '3', 'r r M250 r r M6'],
    ['10.0.0.6', '3', 'M249 M7 M249 M7 M249 M7'],
    ['10.0.0.133', '1', 'M250 M6 M250 M6 M250 M6'],
    ['10.0.0.128', '1', 'M255 M1 M255 M1 M255 M1'],
    ['', '1', 'M255 M1 M255 M1 M255 M1'],
  ])('node %j, replicas %j: %s', (nodeIp, replicas, expected) =>
    expect(pattern(nodeIp, replicas)).toBe(expected),
  );

  it('nopreempt: no state MASTER, and every master slot gets 255 − ipslot', () => {
    expect(pattern('10.0.0.5', '1', 'nopreempt')).toBe('250 250 250 250 250 250');
  });

  it('draws bash’s $RANDOM sequence for a seed', () => {
    const random = bashRandom(42);
    expect([random(), random(), random(), random()]).toEqual([17772, 26794, 1435, 24388]);
  });
});

describe('the image variables, declared once', () => {
  it('every declared variable is read, with its default when unset or empty', () => {
    const defaults = readImageSettings({});
    for (const name of Object.keys(imageVariables) as ImageVariableName[]) {
      const { fallback } = imageVariables[name];
      expect(imageValue({ [name]: '' }, name)).toBe(fallback);
      const changed = readImageSettings({ [name]: 'given' });
      expect(changed, name).not.toEqual(defaults);
    }
  });

  it.each([
    ['80', true],
    ['0', true],
    ['65535', true],
    ['00', false],
    ['65536', false],
    ['', false],
  ])('monitor port digits %j can be checked: %j', (digits, usable) =>
    expect(isUsableMonitorPort(digits)).toBe(usable),
  );

  it('the checks take the image’s defaults', () => {
    expect(nodeTargetSettings.OPENSHIFT_HA_MONITOR_PORT.fallback).toBe(imageMonitorPort(''));
    expect(probeSettings.OPENSHIFT_HA_CHECK_INTERVAL.fallback).toBe(readImageSettings({}).checkInterval);
  });
});
