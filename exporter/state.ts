import type { Transition } from '../core/transition.ts';

/** The states a VRRP instance is exported in; `init` until its first notify. */
export const exportedStates = ['init', 'backup', 'master', 'fault', 'stop'] as const;
export type ExportedState = (typeof exportedStates)[number];

function exportedState(state: Transition['state']): ExportedState {
  // keepalived sends DELETED when an instance leaves the configuration: it no longer runs.
  return state === 'DELETED' ? 'stop' : (state.toLowerCase() as ExportedState);
}

export interface InstanceState {
  readonly state: ExportedState;
  readonly ts: number;
  readonly priority: number | null;
}

export interface RecentTransition {
  readonly ts: number;
  readonly node: string;
  readonly vrrp_instance: string;
  readonly from: ExportedState;
  readonly to: ExportedState;
  readonly priority: number | null;
}

/** Everything derived from the spool; it is checkpointed with the read offset, so both move together. */
export interface SpoolState {
  instances: Record<string, InstanceState>;
  /** `instance\tfrom\tto` → count. */
  transitions: Record<string, number>;
  recent: RecentTransition[];
  counters: {
    lines: number;
    invalidLines: number;
    outOfOrder: number;
    groupEvents: number;
    truncations: number;
    rotations: number;
    resets: number;
    bytes: number;
    /** Lines longer than MAX_LINE_BYTES (spool.ts), skipped unparsed; also counted in `lines`. */
    oversizedLines: number;
  };
}

/**
 * A map keyed by names from the spool, without a prototype: `__proto__` or `constructor` is a name
 * notify.sh lets through (NAME_PATTERN), and must be an entry like any other, not Object.prototype's.
 */
export function dictionary<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));
}

export function emptyState(): SpoolState {
  return {
    instances: dictionary(),
    transitions: dictionary(),
    recent: [],
    counters: {
      lines: 0,
      invalidLines: 0,
      outOfOrder: 0,
      groupEvents: 0,
      truncations: 0,
      rotations: 0,
      resets: 0,
      bytes: 0,
      oversizedLines: 0,
    },
  };
}

function transitionKey(instance: string, from: ExportedState, to: ExportedState): string {
  return `${instance}\t${from}\t${to}`;
}

/**
 * Applies events in event time. Concurrent hooks append in any order, so a batch is sorted by
 * `ts` first; an event older than its instance's newest is late: it is counted and changes nothing.
 * Returns the transitions that changed an instance's state.
 */
export function applyTransitions(
  state: SpoolState,
  events: readonly Transition[],
  keepRecent: number,
): RecentTransition[] {
  const applied: RecentTransition[] = [];
  for (const event of [...events].sort((a, b) => a.ts - b.ts)) {
    if (event.type === 'GROUP') {
      state.counters.groupEvents += 1;
      continue;
    }
    const current = state.instances[event.name];
    if (current && event.ts < current.ts) {
      state.counters.outOfOrder += 1;
      continue;
    }
    const from = current?.state ?? 'init';
    const to = exportedState(event.state);
    state.instances[event.name] = { state: to, ts: event.ts, priority: event.priority };
    if (from === to) continue;
    const key = transitionKey(event.name, from, to);
    state.transitions[key] = (state.transitions[key] ?? 0) + 1;
    const transition = {
      ts: event.ts,
      node: event.node,
      vrrp_instance: event.name,
      from,
      to,
      priority: event.priority,
    };
    applied.push(transition);
    state.recent.push(transition);
  }
  if (state.recent.length > keepRecent) state.recent.splice(0, state.recent.length - keepRecent);
  return applied;
}
