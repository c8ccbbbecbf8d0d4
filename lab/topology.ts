import { UsageError, UserError } from '../core/errors.ts';
import { DEFAULT_EXPORTER_PORT, DEFAULT_PROBER_PORT } from '../core/toolkit-ports.ts';

/**
 * The lab's names and addresses. Every host is a network namespace on a bridge that itself lives in
 * a namespace of its own, so the root namespace gets no interface, address or route. Clients
 * (Prometheus, the failover timer, the controller itself) run in their own namespace on the bridge.
 */
export const PREFIX = 'ipftlab';
export const SWITCH = `${PREFIX}-switch`;
export const CLIENT = `${PREFIX}-client`;
export const BRIDGE = 'br0';
export const EXPORTER_PORT = Number(DEFAULT_EXPORTER_PORT);
export const PROBER_PORT = Number(DEFAULT_PROBER_PORT);
export const APP_PORT = 8080;
export const PROMETHEUS = '127.0.0.1:9090';
/** RFC 5737 documentation ranges: never routed anywhere real. */
export const CANDIDATE_SUBNETS = ['203.0.113', '198.51.100'] as const;

export interface Host {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

export interface Topology {
  readonly subnet: string;
  readonly hosts: readonly Host[];
  readonly clientAddress: string;
  readonly vips: string;
}

/**
 * The first candidate /24 that nothing in the machine's route table overlaps. `routes` is the
 * output of `ip -4 route show table all`; a default route is not an overlap.
 */
export function chooseSubnet(routes: string, required?: string): string {
  const routed = routes
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((destination) => /^\d/.test(destination));
  for (const subnet of required === undefined ? CANDIDATE_SUBNETS : [required]) {
    const [a, b, c] = subnet.split('.').map(Number) as [number, number, number];
    const base = ((a << 24) >>> 0) + (b << 16) + (c << 8);
    const overlaps = routed.some((destination) => {
      const [address = '', prefixText = '32'] = destination.split('/');
      const prefix = Number(prefixText);
      const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
      const size = 2 ** (32 - Math.min(prefix, 32));
      const start = value - (value % size);
      return start < base + 256 && base < start + size;
    });
    if (!overlaps) return subnet;
  }
  if (required !== undefined)
    throw new UserError(
      `the VIPs of --image-env are in ${required}.0/24, which overlaps a route of this machine; the lab refuses to start`,
    );
  throw new UserError(
    `every lab subnet (${CANDIDATE_SUBNETS.map((subnet) => `${subnet}.0/24`).join(', ')}) overlaps a route of this machine; the lab refuses to start`,
  );
}

/**
 * The lab subnet that the VIPs an --image-env file names are in, or undefined when it names none.
 * The lab sends traffic to its VIPs, so they must lie in one of its own subnets.
 */
export function subnetOfVips(vips: readonly string[]): string | undefined {
  if (vips.length === 0) return undefined;
  const subnets = new Set(vips.map((vip) => vip.split('.').slice(0, 3).join('.')));
  const [subnet] = subnets;
  const expected = `addresses in one lab subnet (${CANDIDATE_SUBNETS.map((candidate) => `${candidate}.0/24`).join(' or ')})`;
  if (subnets.size > 1 || !CANDIDATE_SUBNETS.some((candidate) => candidate === subnet)) {
    const shown = vips.slice(0, 4).join(', ') + (vips.length > 4 ? ', …' : '');
    throw new UsageError(`OPENSHIFT_HA_VIRTUAL_IPS in --image-env: expected ${expected}, got ${shown}`);
  }
  return subnet;
}

export const MIN_HOSTS = 2;
export const MAX_HOSTS = 9;

/** `--hosts`: the lab names hosts h1 to h9 and gives each one address, .11 to .19. */
export function parseHostCount(raw: string): number {
  const count = /^\d{1,2}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!(count >= MIN_HOSTS && count <= MAX_HOSTS))
    throw new UsageError(
      `--hosts: expected a whole number from ${MIN_HOSTS} to ${MAX_HOSTS}, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  return count;
}

export function topology(subnet: string, hostCount: number): Topology {
  if (!Number.isInteger(hostCount) || hostCount < MIN_HOSTS || hostCount > MAX_HOSTS) {
    throw new UserError(
      `--hosts: expected a whole number from ${MIN_HOSTS} to ${MAX_HOSTS}, got ${hostCount}`,
    );
  }
  return {
    subnet,
    hosts: Array.from({ length: hostCount }, (_, index) => ({
      name: `h${index + 1}`,
      namespace: `${PREFIX}-h${index + 1}`,
      address: `${subnet}.${11 + index}`,
    })),
    clientAddress: `${subnet}.250`,
    vips: `${subnet}.100-103`,
  };
}

/** The ipfailover Deployment's env in the lab, before --image-env: what every host renders from. */
export function labImageEnv(top: Topology): Record<string, string> {
  return {
    OPENSHIFT_HA_CONFIG_NAME: 'lab',
    OPENSHIFT_HA_VIRTUAL_IPS: top.vips,
    OPENSHIFT_HA_NETWORK_INTERFACE: 'eth0',
    OPENSHIFT_HA_MONITOR_PORT: String(APP_PORT),
    OPENSHIFT_HA_REPLICA_COUNT: String(top.hosts.length),
    OPENSHIFT_HA_CHECK_INTERVAL: '2',
    // The image's default is 300 s; 10 s lets the preempt scenario finish in a minute.
    OPENSHIFT_HA_PREEMPTION: 'preempt_delay 10',
  };
}
