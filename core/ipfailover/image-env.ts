import type { Env, Setting } from '../settings.ts';
import { expandVirtualIps } from './vips.ts';

/**
 * One variable the image reads (conf/settings.sh). Every value is `${VAR:-default}`, so empty and
 * unset are the same.
 */
export interface ImageVariable {
  /** The code's default, which is not always the docs' (see discrepancies.ts); '' when it has none. */
  readonly fallback: string;
  /** What the image does with it. */
  readonly doc: string;
  /** How the image reads the text, where it does more than paste it; the functions below. */
  readonly parse?: (raw: string) => unknown;
}

/**
 * The image's environment, declared once: the renderer, the linter, the exporter, the packager and
 * the checks' settings all read it from here. discrepancies.ts says where the docs differ.
 */
export const imageVariables = {
  OPENSHIFT_HA_CONFIG_NAME: variable('OpenShift-IPFailover', '`router_id`, instance names, auth_pass.'),
  OPENSHIFT_HA_VIRTUAL_IPS: variable('', 'VIPs and `a.b.c.d-e` ranges, comma-separated.', expandVirtualIps),
  OPENSHIFT_HA_VIP_GROUPS: variable('', 'VRRP instances the VIPs share; 0: one per VIP.', vipGroupCount),
  OPENSHIFT_HA_VRRP_ID_OFFSET: variable('10', 'VRID = offset + instance index.', bashArithmetic),
  HA_EXCLUDED_VRRP_IDS: variable('', 'VRIDs to step around, space-separated.', excludedVrrpIds),
  OPENSHIFT_HA_NETWORK_INTERFACE: variable('', 'keepalived’s interface if it exists; unset: detected.'),
  OPENSHIFT_HA_MONITOR_PORT: variable('80', 'The default check’s port; 0: no check.', imageMonitorPort),
  OPENSHIFT_HA_REPLICA_COUNT: variable('1', 'Spreads the initial masters, nothing else.', imageReplicaCount),
  OPENSHIFT_HA_CHECK_SCRIPT: variable('', 'Replaces the default check.'),
  OPENSHIFT_HA_CHECK_INTERVAL: variable('2', 'The vrrp_script `interval`, in seconds.'),
  OPENSHIFT_HA_NOTIFY_SCRIPT: variable('', '`notify` in every instance.'),
  OPENSHIFT_HA_PREEMPTION: variable('preempt_delay 300', 'Pasted into every instance.'),
  OPENSHIFT_HA_UNICAST_PEERS: variable('', 'Peers, comma-separated; set: unicast.', unicastPeers),
  OPENSHIFT_HA_NFTABLES_RULE: variable('', 'Set: accept VRRP multicast; the value is ignored.'),
  OPENSHIFT_HA_IPTABLES_CHAIN: variable('', 'OPENSHIFT_HA_NFTABLES_RULE’s older name.'),
  OPENSHIFT_HA_ADMIN_EMAILS: variable('root@localhost', '`notification_email` list.', adminEmails),
  OPENSHIFT_HA_SMTP_SERVER: variable('127.0.0.1', 'keepalived’s `smtp_server`.'),
  MULTICAST_SOURCE_IPADDRESS: variable('', '`mcast_src_ip` in every instance.'),
  UNICAST_SOURCE_IPADDRESS: variable('', '`unicast_src_ip` in every instance.'),
} as const satisfies Readonly<Record<string, ImageVariable>>;

export type ImageVariableName = keyof typeof imageVariables;

/**
 * Every name of the image's environment: any OPENSHIFT_HA_ one (OPENSHIFT_HA_USE_UNICAST too, which
 * nothing reads) and the declared ones without that prefix. An extended regular expression that grep -E
 * takes too: the packaged oc commands copy the variables with it.
 */
export const IMAGE_VARIABLE_PATTERN = `(${[
  'OPENSHIFT_HA_[A-Z0-9_]+',
  ...Object.keys(imageVariables).filter((name) => !name.startsWith('OPENSHIFT_HA_')),
].join('|')})`;
export const IMAGE_VARIABLE = new RegExp(`^${IMAGE_VARIABLE_PATTERN}$`);

function variable<const F extends string>(fallback: F, doc: string, parse?: (raw: string) => unknown) {
  return { fallback, doc, ...(parse ? { parse } : {}) };
}

/** The image's environment as text, defaults applied, named as the generator's variables are. */
export interface ImageSettings {
  readonly configName: string;
  readonly virtualIps: string;
  readonly vipGroups: string;
  readonly vrrpIdOffset: string;
  readonly excludedVrrpIds: string;
  readonly networkInterface: string;
  readonly monitorPort: string;
  readonly replicaCount: string;
  readonly checkScript: string;
  readonly checkInterval: string;
  readonly notifyScript: string;
  readonly preemption: string;
  readonly unicastPeers: string;
  /** OPENSHIFT_HA_NFTABLES_RULE, else OPENSHIFT_HA_IPTABLES_CHAIN: only whether it is non-empty matters. */
  readonly multicastAccept: string;
  readonly adminEmails: string;
  readonly smtpServer: string;
  readonly multicastSourceIp: string;
  readonly unicastSourceIp: string;
}

/** The value the image works with: the variable's text, or its default when that is unset or empty. */
export function imageValue(env: Env, name: ImageVariableName): string {
  const value = env[name];
  return value === undefined || value === '' ? imageVariables[name].fallback : value;
}

export function readImageSettings(env: Env): ImageSettings {
  const get = (name: ImageVariableName) => imageValue(env, name);
  return {
    configName: get('OPENSHIFT_HA_CONFIG_NAME'),
    virtualIps: get('OPENSHIFT_HA_VIRTUAL_IPS'),
    vipGroups: get('OPENSHIFT_HA_VIP_GROUPS'),
    vrrpIdOffset: get('OPENSHIFT_HA_VRRP_ID_OFFSET'),
    excludedVrrpIds: get('HA_EXCLUDED_VRRP_IDS'),
    networkInterface: get('OPENSHIFT_HA_NETWORK_INTERFACE'),
    monitorPort: get('OPENSHIFT_HA_MONITOR_PORT'),
    replicaCount: get('OPENSHIFT_HA_REPLICA_COUNT'),
    checkScript: get('OPENSHIFT_HA_CHECK_SCRIPT'),
    checkInterval: get('OPENSHIFT_HA_CHECK_INTERVAL'),
    notifyScript: get('OPENSHIFT_HA_NOTIFY_SCRIPT'),
    preemption: get('OPENSHIFT_HA_PREEMPTION'),
    unicastPeers: get('OPENSHIFT_HA_UNICAST_PEERS'),
    multicastAccept: get('OPENSHIFT_HA_NFTABLES_RULE') || get('OPENSHIFT_HA_IPTABLES_CHAIN'),
    adminEmails: get('OPENSHIFT_HA_ADMIN_EMAILS'),
    smtpServer: get('OPENSHIFT_HA_SMTP_SERVER'),
    multicastSourceIp: get('MULTICAST_SOURCE_IPADDRESS'),
    unicastSourceIp: get('UNICAST_SOURCE_IPADDRESS'),
  };
}

/**
 * A toolkit setting read from an image variable: the name and the default are the image's, `doc`
 * says what the toolkit does with it, and `parse` is the toolkit's (stricter) reading.
 */
export function imageSetting<N extends ImageVariableName, T>(
  name: N,
  parse: (raw: string) => T,
  doc: string,
): Setting<(typeof imageVariables)[N]['fallback'] extends '' ? T | undefined : T> {
  const { fallback } = imageVariables[name];
  return { parse, fallback: fallback === '' ? undefined : fallback, doc };
}

// The image's own parses.

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

/** OPENSHIFT_HA_VIP_GROUPS: not a number to bash counts as 0, one instance per VIP. */
export function vipGroupCount(raw: string): number {
  return bashArithmetic(raw) ?? 0;
}

/** The number of nodes the initial masters are spread over: 0, negative or not a number counts as 1. */
export function imageReplicaCount(raw: string): number {
  const replicas = bashArithmetic(raw) ?? 0;
  return replicas > 0 ? replicas : 1;
}

/** HA_EXCLUDED_VRRP_IDS: split on whitespace only, as the unquoted variable is. */
export function excludedVrrpIds(raw: string): string[] {
  return raw.split(/\s+/).filter((id) => id !== '');
}

/**
 * The port the default check connects to, as text: every non-digit deleted, the default when nothing
 * is left, so `8o8o` is 88. Exactly `0` disables the check; `00` stays `00`, and bash connects to port 0.
 */
export function imageMonitorPort(raw: string): string {
  return raw.replace(/\D/g, '') || imageVariables.OPENSHIFT_HA_MONITOR_PORT.fallback;
}

/** Whether the default check can connect to these digits: a port from 1 to 65535, or exactly `0` (no check). */
export function isUsableMonitorPort(digits: string): boolean {
  const value = Number(digits);
  return digits === '0' || (/^\d+$/.test(digits) && value >= 1 && value <= 65535);
}

/** `IFS=","` splitting: whitespace inside a field stays, a trailing comma adds nothing. */
export function unicastPeers(raw: string): string[] {
  if (raw === '') return [];
  return raw.replace(/,$/, '').split(',');
}

export function adminEmails(raw: string): string[] {
  return raw.split(/\s+/).filter((email) => email !== '');
}

/** keepalived's `interface`, the node IP and its host facts, given or detected. */
export interface NodeFacts {
  readonly interfaceName: string;
  /** Empty when the interface has no IPv4 address: ipslot is then 0 and the check targets 127.0.0.1. */
  readonly nodeIp: string;
}
