import type { Env } from '../settings.ts';
import { expandVirtualIps } from './vips.ts';

/**
 * What the image reads from its environment (conf/settings.sh), with the code's defaults, which
 * differ from the docs': offset 10 (docs: 0), replicas 1 (docs: 2), interface auto-detected (docs: eth0).
 * Every value is `${VAR:-default}`, so empty and unset are the same.
 */
export interface ImageSettings {
  readonly configName: string;
  readonly virtualIps: string;
  readonly vipGroups: string;
  readonly vrrpIdOffset: string;
  /** Not OPENSHIFT_-prefixed, and space-separated: `12,13` excludes nothing. */
  readonly excludedVrrpIds: string;
  readonly networkInterface: string;
  readonly monitorPort: string;
  readonly replicaCount: string;
  readonly checkScript: string;
  readonly checkInterval: string;
  readonly notifyScript: string;
  readonly preemption: string;
  readonly unicastPeers: string;
  /** Only whether it is non-empty matters: the chain name itself is ignored. */
  readonly multicastAccept: string;
  readonly adminEmails: string;
  readonly smtpServer: string;
  readonly multicastSourceIp: string;
  readonly unicastSourceIp: string;
}

export const imageDefaults = {
  OPENSHIFT_HA_CONFIG_NAME: 'OpenShift-IPFailover',
  OPENSHIFT_HA_VRRP_ID_OFFSET: '10',
  OPENSHIFT_HA_MONITOR_PORT: '80',
  OPENSHIFT_HA_REPLICA_COUNT: '1',
  OPENSHIFT_HA_CHECK_INTERVAL: '2',
  OPENSHIFT_HA_PREEMPTION: 'preempt_delay 300',
  OPENSHIFT_HA_ADMIN_EMAILS: 'root@localhost',
  OPENSHIFT_HA_SMTP_SERVER: '127.0.0.1',
} as const;

export function readImageSettings(env: Env): ImageSettings {
  const get = (name: string, fallback = '') => {
    const value = env[name];
    return value === undefined || value === '' ? fallback : value;
  };
  return {
    configName: get('OPENSHIFT_HA_CONFIG_NAME', imageDefaults.OPENSHIFT_HA_CONFIG_NAME),
    virtualIps: get('OPENSHIFT_HA_VIRTUAL_IPS'),
    vipGroups: get('OPENSHIFT_HA_VIP_GROUPS'),
    vrrpIdOffset: get('OPENSHIFT_HA_VRRP_ID_OFFSET', imageDefaults.OPENSHIFT_HA_VRRP_ID_OFFSET),
    excludedVrrpIds: get('HA_EXCLUDED_VRRP_IDS'),
    networkInterface: get('OPENSHIFT_HA_NETWORK_INTERFACE'),
    monitorPort: get('OPENSHIFT_HA_MONITOR_PORT', imageDefaults.OPENSHIFT_HA_MONITOR_PORT),
    replicaCount: get('OPENSHIFT_HA_REPLICA_COUNT', imageDefaults.OPENSHIFT_HA_REPLICA_COUNT),
    checkScript: get('OPENSHIFT_HA_CHECK_SCRIPT'),
    checkInterval: get('OPENSHIFT_HA_CHECK_INTERVAL', imageDefaults.OPENSHIFT_HA_CHECK_INTERVAL),
    notifyScript: get('OPENSHIFT_HA_NOTIFY_SCRIPT'),
    preemption: get('OPENSHIFT_HA_PREEMPTION', imageDefaults.OPENSHIFT_HA_PREEMPTION),
    unicastPeers: get('OPENSHIFT_HA_UNICAST_PEERS'),
    multicastAccept: get('OPENSHIFT_HA_NFTABLES_RULE', get('OPENSHIFT_HA_IPTABLES_CHAIN')),
    adminEmails: get('OPENSHIFT_HA_ADMIN_EMAILS', imageDefaults.OPENSHIFT_HA_ADMIN_EMAILS),
    smtpServer: get('OPENSHIFT_HA_SMTP_SERVER', imageDefaults.OPENSHIFT_HA_SMTP_SERVER),
    multicastSourceIp: get('MULTICAST_SOURCE_IPADDRESS'),
    unicastSourceIp: get('UNICAST_SOURCE_IPADDRESS'),
  };
}

/**
 * A value as bash arithmetic reads it: decimal, octal with a leading 0, hex with 0x, a variable
 * name (0 when unset), or an error (`08`, `2x`).
 */
export function bashArithmetic(raw: string): number | undefined {
  const text = raw.trim();
  if (text === '') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) return sign * Number.parseInt(digits.slice(2), 16);
  if (/^0[0-7]*$/.test(digits)) return sign * Number.parseInt(digits, 8);
  if (/^[1-9]\d*$/.test(digits)) return sign * Number(digits);
  if (/^[A-Za-z_]\w*$/.test(text)) return 0;
  return undefined;
}

/** keepalived's `interface`, the node IP and its host facts, given or detected. */
export interface NodeFacts {
  readonly interfaceName: string;
  /** Empty when the interface has no IPv4 address: ipslot is then 0 and the check targets 127.0.0.1. */
  readonly nodeIp: string;
}

export function vipList(settings: ImageSettings): string[] {
  return expandVirtualIps(settings.virtualIps);
}
