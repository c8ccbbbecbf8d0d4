import { readFileSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

/** What the image asks the host: which devices exist, their addresses, the default route's device. */
export interface HostNetwork {
  readonly interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  readonly defaultRouteDevice: string | undefined;
}

export function readHostNetwork(): HostNetwork {
  return { interfaces: networkInterfaces(), defaultRouteDevice: defaultRouteDevice() };
}

/**
 * The device of the IPv4 default route, from /proc/net/route. The image asks for the route to
 * 8.8.8.8, which is the default route unless a more specific one covers that address.
 */
export function defaultRouteDevice(routeTable = '/proc/net/route'): string | undefined {
  try {
    for (const line of readFileSync(routeTable, 'utf8').split('\n').slice(1)) {
      const [device, destination, , , , , , mask] = line.trim().split(/\s+/);
      if (destination === '00000000' && mask === '00000000') return device;
    }
  } catch {
    // No route table (not Linux): there is then no default-route device, as on an IPv6-only host.
  }
  return undefined;
}

/** The address the image uses as the node IP when the interface has none. */
export const FALLBACK_NODE_IP = '127.0.0.1';

/** The names the image tries after the configured one, before the default route's device. */
const interfaceCandidates = ['enp0s3', 'enp0s8', 'eth1', 'ens3'] as const;

/**
 * OPENSHIFT_HA_NETWORK_INTERFACE is used only if that device exists (a typo falls back silently),
 * and it is split on whitespace, as the unquoted shell variable is.
 */
export function detectInterface(configured: string, network: HostNetwork): string | undefined {
  const candidates = [...configured.split(/\s+/).filter((name) => name !== ''), ...interfaceCandidates];
  return candidates.find((name) => network.interfaces[name] !== undefined) ?? network.defaultRouteDevice;
}

/**
 * `ifconfig DEV | awk '/inet / {print $2}'`: the first IPv4 address labelled with the device's own
 * name (os.networkInterfaces lists `eth0:1` aliases under their label), or '' when there is none.
 */
export function nodeIpOf(interfaceName: string | undefined, network: HostNetwork): string {
  if (interfaceName === undefined) return '';
  return network.interfaces[interfaceName]?.find((entry) => entry.family === 'IPv4')?.address ?? '';
}
