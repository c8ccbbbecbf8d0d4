import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.ts';
import { chooseSubnet, subnetOfVips, topology } from '../../lab/topology.ts';

describe('the lab picks a subnet nothing on the machine routes', () => {
  it.each([
    [
      'default via 192.0.2.1 dev eth0\n192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2\n',
      '203.0.113',
    ],
    ['default via 10.0.0.1 dev eth0\n203.0.113.0/24 dev eth1\n', '198.51.100'],
    ['203.0.0.0/16 dev eth1\n', '198.51.100'],
    ['203.0.113.7 dev tun0 scope link\n', '198.51.100'],
    ['local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n', '203.0.113'],
  ])('routes %j → %s', (routes, subnet) => expect(chooseSubnet(routes)).toBe(subnet));

  it('refuses to start when every candidate overlaps', () => {
    expect(() => chooseSubnet('203.0.113.0/24 dev a\n198.51.100.0/24 dev b\n')).toThrow(
      'every lab subnet (203.0.113.0/24, 198.51.100.0/24) overlaps a route of this machine; the lab refuses to start',
    );
  });

  it('uses the subnet of the --image-env VIPs, and refuses to start when that one overlaps', () => {
    expect(chooseSubnet('203.0.113.0/24 dev a\n', '198.51.100')).toBe('198.51.100');
    expect(chooseSubnet('', '203.0.113')).toBe('203.0.113');
    expect(() => chooseSubnet('10.0.0.0/8 dev a\n203.0.113.0/25 dev b\n', '203.0.113')).toThrow(
      'the VIPs of --image-env are in 203.0.113.0/24, which overlaps a route of this machine; the lab refuses to start',
    );
  });

  it('finds the subnet of the VIPs: none named, one lab subnet, or refused', () => {
    expect(subnetOfVips([])).toBeUndefined();
    expect(subnetOfVips(['198.51.100.7', '198.51.100.8'])).toBe('198.51.100');
    expect(() => subnetOfVips(['203.0.113.1', '203.0.1130.2'])).toThrow(UsageError);
    expect(() => subnetOfVips(['192.0.2.10'])).toThrow(
      'OPENSHIFT_HA_VIRTUAL_IPS in --image-env: expected addresses in one lab subnet (203.0.113.0/24 or 198.51.100.0/24), got 192.0.2.10',
    );
  });

  it('places hosts at .11 and up, the client at .250 and four VIPs at .100-103', () => {
    const top = topology('203.0.113', 3);
    expect(top.hosts.map((host) => host.address)).toEqual(['203.0.113.11', '203.0.113.12', '203.0.113.13']);
    expect(top.clientAddress).toBe('203.0.113.250');
    expect(top.vips).toBe('203.0.113.100-103');
    expect(() => topology('203.0.113', 1)).toThrow('--hosts: expected a whole number from 2 to 9, got 1');
  });
});
