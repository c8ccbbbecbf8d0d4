import { readFileSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import type { Endpoint } from './endpoint.ts';
import { Expected, SettingError } from './errors.ts';
import { invalid, optional, quote, text, withDefault } from './settings.ts';

/** The image strips every non-digit and falls back to 80, so `8o8o` means port 88. */
export function monitorPort(raw: string): number {
  const digits = raw.replace(/\D/g, '');
  const value = digits === '' ? 80 : Number(digits);
  if (value > 65535) throw new Expected('a port from 0 to 65535 (0 disables the default check)');
  return value;
}

export const nodeTargetSettings = {
  OPENSHIFT_HA_MONITOR_PORT: withDefault(
    '80',
    monitorPort,
    'Set by the ipfailover Deployment. The default target is this port on the node IP; 0 passes without connecting.',
  ),
  OPENSHIFT_HA_NETWORK_INTERFACE: optional(
    text,
    'Set by the ipfailover Deployment. The node IP is this interface’s first IPv4 address; unset, the image’s auto-detection.',
  ),
} as const;

/** The names the image tries in order before the device of its route to the internet. */
export const interfaceCandidates = ['enp0s3', 'enp0s8', 'eth1', 'ens3'] as const;

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
    // No route table (not Linux): auto-detection then reports that no interface was found.
  }
  return undefined;
}

/** The image uses the configured name only if that device exists; a typo falls back silently. */
export function detectInterface(configured: string | undefined, network: HostNetwork): string | undefined {
  if (configured && network.interfaces[configured] !== undefined) return configured;
  return (
    interfaceCandidates.find((name) => network.interfaces[name] !== undefined) ?? network.defaultRouteDevice
  );
}

export interface NodeTarget {
  /** Undefined when OPENSHIFT_HA_MONITOR_PORT is 0: the image's check is then `true`. */
  readonly endpoint: Endpoint | undefined;
  readonly origin: string;
}

/** The image's default check target: the node's own interface IP on the monitor port. */
export function resolveNodeTarget(
  values: { OPENSHIFT_HA_MONITOR_PORT: number; OPENSHIFT_HA_NETWORK_INTERFACE: string | undefined },
  network: HostNetwork = readHostNetwork(),
): NodeTarget {
  const port = values.OPENSHIFT_HA_MONITOR_PORT;
  if (port === 0)
    return { endpoint: undefined, origin: 'OPENSHIFT_HA_MONITOR_PORT=0, the image’s check is disabled' };
  const configured = values.OPENSHIFT_HA_NETWORK_INTERFACE;
  const name = detectInterface(configured, network);
  const known = Object.keys(network.interfaces).join(', ');
  if (name === undefined) {
    throw new SettingError([
      invalid(
        'OPENSHIFT_HA_NETWORK_INTERFACE',
        `an interface name, since none of ${interfaceCandidates.join(', ')} exists and there is no default route (interfaces: ${known})`,
        'nothing',
      ),
    ]);
  }
  const address = network.interfaces[name]?.find((entry) => entry.family === 'IPv4')?.address;
  if (address === undefined) {
    const why = network.interfaces[name] ? 'with an IPv4 address' : 'that exists on this node';
    throw new SettingError([
      invalid(
        'OPENSHIFT_HA_NETWORK_INTERFACE',
        `an interface ${why} (interfaces: ${known})`,
        quote(configured ?? name),
      ),
    ]);
  }
  const how =
    name === configured
      ? ''
      : configured
        ? ` (${configured} does not exist; the image falls back)`
        : ' (auto-detected)';
  return {
    endpoint: { host: address, port },
    origin: `the node IP of ${name}${how} and OPENSHIFT_HA_MONITOR_PORT`,
  };
}
