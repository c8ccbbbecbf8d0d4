import type { Endpoint } from './endpoint.ts';
import { Expected } from './errors.ts';
import { detectInterface, type HostNetwork, nodeIpOf, readHostNetwork } from './ipfailover/node.ts';
import { optional, text, withDefault } from './settings.ts';

/**
 * The image strips every non-digit and falls back to 80, so `8o8o` means port 88. Exactly `0`
 * disables its check; `00` would make bash connect to port 0 and fail, so it is refused here.
 */
export function monitorPort(raw: string): number {
  const digits = raw.replace(/\D/g, '');
  const value = digits === '' ? 80 : Number(digits);
  if (value > 65535 || (value === 0 && digits !== '0')) {
    throw new Expected('a port from 1 to 65535, or 0 to disable the default check');
  }
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

export interface NodeTarget {
  /** Undefined when OPENSHIFT_HA_MONITOR_PORT is 0: the image's check is then `true`. */
  readonly endpoint: Endpoint | undefined;
  readonly origin: string;
}

/**
 * The node IP as the image finds it: the configured interface if it exists, else the image's
 * candidates, else the default route's device; its first IPv4 address, and 127.0.0.1 when it has
 * none, as the image falls back.
 */
export function findNodeIp(
  configuredInterface: string,
  network: HostNetwork = readHostNetwork(),
): { address: string; origin: string } {
  const name = detectInterface(configuredInterface, network);
  const address = nodeIpOf(name, network);
  const how =
    name === configuredInterface
      ? ''
      : configuredInterface
        ? ` (${configuredInterface} does not exist; the image falls back)`
        : ' (auto-detected)';
  if (address === '') {
    return {
      address: '127.0.0.1',
      origin: `127.0.0.1, because ${name ?? 'no interface'}${how} has no IPv4 address and the image falls back to it`,
    };
  }
  return { address, origin: `the node IP of ${name}${how}` };
}

/** The image's default check target: the node IP on the monitor port. */
export function resolveNodeTarget(
  values: { OPENSHIFT_HA_MONITOR_PORT: number; OPENSHIFT_HA_NETWORK_INTERFACE: string | undefined },
  network: HostNetwork = readHostNetwork(),
): NodeTarget {
  const port = values.OPENSHIFT_HA_MONITOR_PORT;
  if (port === 0)
    return { endpoint: undefined, origin: 'OPENSHIFT_HA_MONITOR_PORT=0, the image’s check is disabled' };
  const { address, origin } = findNodeIp(values.OPENSHIFT_HA_NETWORK_INTERFACE ?? '', network);
  return {
    endpoint: { host: address, port },
    origin: origin.startsWith('127.0.0.1, because') ? origin : `${origin} and OPENSHIFT_HA_MONITOR_PORT`,
  };
}
