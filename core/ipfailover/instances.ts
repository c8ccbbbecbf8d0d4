import {
  bashArithmetic,
  excludedVrrpIds,
  type ImageSettings,
  imageReplicaCount,
  vipGroupCount,
} from './image-env.ts';
import { expandVirtualIps } from './vips.ts';

/** One keepalived vrrp_instance as the image generates it; the same on every node. */
export interface InstancePlan {
  /** 1-based position: the `_VIP_<n>` suffix and the base of the VRID. */
  readonly index: number;
  readonly name: string;
  readonly vrid: number;
  readonly vips: readonly string[];
}

/** keepalived accepts VRIDs 1..255; the image checks neither end. */
export const VRID_RANGE = [1, 255] as const;

/** `tr -dc '[:alnum:]\-_'` then `-` to `_`: the router_id and the instance names. */
export function scrubName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '').replaceAll('-', '_');
}

/** The check name only has `-` replaced: a name with a space breaks keepalived's parsing. */
export function checkScriptName(configName: string): string {
  return `chk_${configName.replaceAll('-', '_')}`;
}

/**
 * VIP groups: unset, 0 or not a number gives one instance per VIP; N gives N instances, the first
 * (VIPs mod N) one VIP larger (7 in 3: 3,2,2); more groups than VIPs gives one VIP each.
 */
export function groupVips(vips: readonly string[], groupsSetting: string): string[][] {
  const groups = vipGroupCount(groupsSetting);
  const perGroup = groups > 0 ? Math.floor(vips.length / groups) : 1;
  let extra = groups > 0 ? vips.length % groups : 0;
  const result: string[][] = [];
  for (let position = 0; position < vips.length; ) {
    let count = perGroup;
    if (extra > 0) {
      count += 1;
      extra -= 1;
    }
    result.push(vips.slice(position, position + count));
    position += count;
  }
  return result;
}

/**
 * VRID = offset + index. An excluded VRID raises the offset for that instance and every later
 * one. An offset bash cannot read (`08`) stops the image's loop: no instance at all.
 */
export function assignVrids(
  count: number,
  offsetSetting: string,
  excludedSetting: string,
): number[] | undefined {
  let offset = bashArithmetic(offsetSetting);
  if (offset === undefined) return undefined;
  const excluded = new Set(excludedVrrpIds(excludedSetting));
  const vrids: number[] = [];
  for (let index = 1; index <= count; index++) {
    while (excluded.has(String(offset + index))) offset += 1;
    vrids.push(offset + index);
  }
  return vrids;
}

export function planInstances(settings: ImageSettings): InstancePlan[] {
  const groups = groupVips(expandVirtualIps(settings.virtualIps), settings.vipGroups);
  const vrids = assignVrids(groups.length, settings.vrrpIdOffset, settings.excludedVrrpIds) ?? [];
  const base = scrubName(settings.configName);
  return vrids.map((vrid, position) => ({
    index: position + 1,
    name: `${base}_VIP_${position + 1}`,
    vrid,
    vips: groups[position] ?? [],
  }));
}

/** Where one node starts each instance: `state MASTER` or not, and its priority. */
export interface Placement {
  readonly master: boolean;
  readonly priority: number;
}

/**
 * The image's initial placement (lib/config-generators.sh). ipslot is the node IP's last octet
 * mod 128; instances whose index is a multiple of (ipslot mod replicas) + 1 are master slots, with
 * priority 255 − ipslot and ipslot + 1 alternating; the others get ipslot mod 64 + RANDOM mod 32,
 * RANDOM being drawn once per instance, masters included. Under `nopreempt` no instance gets
 * `state MASTER` and every master slot gets 255 − ipslot.
 */
export function placeInstances(
  count: number,
  nodeIp: string,
  settings: Pick<ImageSettings, 'replicaCount' | 'preemption'>,
  random: () => number,
): Placement[] {
  const ipslot = ipSlot(nodeIp);
  const nodeCount = imageReplicaCount(settings.replicaCount);
  const masterEvery = (ipslot % nodeCount) + 1;
  const preempting = settings.preemption !== 'nopreempt';
  let previous: 'none' | 'master' | 'slave' | 'flip-flop' = 'none';
  const placements: Placement[] = [];
  for (let index = 1; index <= count; index++) {
    let priority = (ipslot % 64) + (random() % 32);
    let master = false;
    if (index % masterEvery === 0) {
      master = preempting;
      if (previous === 'master') {
        priority = ipslot + 1;
        previous = 'flip-flop';
      } else {
        priority = 255 - ipslot;
        previous = master ? 'master' : 'slave';
      }
    }
    placements.push({ master, priority });
  }
  return placements;
}

/** The last octet mod 128; an empty or non-IPv4 node IP counts as 0, as in bash arithmetic. */
export function ipSlot(nodeIp: string): number {
  const octet = Number(nodeIp.split('.')[3]);
  return Number.isInteger(octet) ? octet % 128 : 0;
}

/**
 * bash's $RANDOM after `RANDOM=seed` (bash 5.1+, lib/sh/random.c): Park–Miller, folded to 15 bits,
 * never the same value twice in a row. With the same seed the image's own generator draws the same
 * numbers, so a render can be reproduced exactly.
 */
export function bashRandom(seed: number): () => number {
  let state = seed >>> 0;
  let last = 0;
  const next = () => {
    if (state === 0) state = 123459876;
    const high = Math.floor(state / 127773);
    const low = state % 127773;
    let t = 16807 * low - 2836 * high;
    if (t < 0) t += 0x7fffffff;
    state = t >>> 0;
    return ((state >>> 16) ^ (state & 65535)) & 32767;
  };
  return () => {
    let value = next();
    while (value === last) value = next();
    last = value;
    return value;
  };
}
