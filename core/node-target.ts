import type { Endpoint } from './endpoint.ts';
import { Expected } from './errors.ts';
import { imageMonitorPort, imageSetting, isUsableMonitorPort } from './ipfailover/image-env.ts';
import {
  detectInterface,
  FALLBACK_NODE_IP,
  type HostNetwork,
  nodeIpOf,
  readHostNetwork,
} from './ipfailover/node.ts';
import { text } from './settings.ts';

/**
 * The port as the image reads it (`8o8o` is 88). `00` would make bash connect to port 0 and fail,
 * so it is refused here.
 */
export function monitorPort(raw: string): number {
  const digits = imageMonitorPort(raw);
  if (!isUsableMonitorPort(digits)) {
    throw new Expected('a port from 1 to 65535, or 0 to disable the default check');
  }
  return Number(digits);
}

export const nodeTargetSettings = {
  OPENSHIFT_HA_MONITOR_PORT: imageSetting(
    'OPENSHIFT_HA_MONITOR_PORT',
    monitorPort,
    'Set by the ipfailover Deployment. The default target is this port on the node IP; 0 passes without connecting.',
  ),
  OPENSHIFT_HA_NETWORK_INTERFACE: imageSetting(
    'OPENSHIFT_HA_NETWORK_INTERFACE',
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
 * candidates, else the default route's device; its first IPv4 address, and FALLBACK_NODE_IP when
 * it has none, as the image falls back.
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
      address: FALLBACK_NODE_IP,
      origin: `${FALLBACK_NODE_IP}, because ${name ?? 'no interface'}${how} has no IPv4 address and the image falls back to it`,
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
    // The fallback's origin already says why, and the port adds nothing to it.
    origin: origin.startsWith(`${FALLBACK_NODE_IP},`) ? origin : `${origin} and OPENSHIFT_HA_MONITOR_PORT`,
  };
}
