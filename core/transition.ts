/**
 * One VIP state transition as notify.sh appends it to $IPF_STATE_DIR/transitions.jsonl:
 * {"ts":1795652381.123456,"node":"worker-1","type":"INSTANCE","name":"web_VIP_1","state":"MASTER","priority":250}
 * `ts` is epoch seconds with microseconds from the hook's own clock; `priority` is null when
 * keepalived passed none.
 */
export interface Transition {
  readonly ts: number;
  readonly node: string;
  readonly type: TransitionType;
  readonly name: string;
  readonly state: TransitionState;
  readonly priority: number | null;
}

export const transitionTypes = ['INSTANCE', 'GROUP'] as const;
export type TransitionType = (typeof transitionTypes)[number];
export const transitionStates = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED'] as const;
export type TransitionState = (typeof transitionStates)[number];

export const SPOOL_FILE = 'transitions.jsonl';
/** The name the exporter renames a full spool to; hooks then create a new one by path. */
export const ROTATED_SPOOL_FILE = 'transitions.jsonl.1';

/**
 * What a name and a node may hold, as bracket-expression parts: notify.sh enforces the same (its
 * constants come from here, scripts/shell-constants.ts), so nothing else can reach the spool's JSON.
 * The length is a number apart, because bash compiles a bounded repeat into a large automaton.
 */
export const NAME_CHARACTERS = ['A-Z', 'a-z', '0-9', '_', '.', ':', '-'] as const;
export const NAME_MAX = 128;
export const NODE_CHARACTERS = ['A-Z', 'a-z', '0-9', '_', '.', '-'] as const;
export const NODE_MAX = 253;
/** keepalived's priorities are 0 to 255. */
export const PRIORITY_MAX = 255;

const charactersPattern = (characters: readonly string[], max: number) =>
  new RegExp(`^[${characters.join('')}]{1,${max}}$`);
export const NAME_PATTERN = charactersPattern(NAME_CHARACTERS, NAME_MAX);
export const NODE_PATTERN = charactersPattern(NODE_CHARACTERS, NODE_MAX);

/** A spool line to a Transition, or undefined for a torn or foreign line (counted, never fatal). */
export function parseTransition(line: string): Transition | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const { ts, node, type, name, state, priority } = record;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts <= 0) return undefined;
  if (typeof node !== 'string' || !NODE_PATTERN.test(node)) return undefined;
  if (!transitionTypes.includes(type as TransitionType)) return undefined;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) return undefined;
  if (!transitionStates.includes(state as TransitionState)) return undefined;
  if (
    priority !== null &&
    !(Number.isInteger(priority) && (priority as number) >= 0 && (priority as number) <= PRIORITY_MAX)
  ) {
    return undefined;
  }
  return {
    ts,
    node,
    type: type as TransitionType,
    name,
    state: state as TransitionState,
    priority: priority as number | null,
  };
}

/**
 * Like parseTransition, but recovers the last record of a line that a torn write glued onto
 * (a partial line followed by the next hook's complete one): `torn` says something was lost.
 */
export function parseSpoolLine(line: string): { transition: Transition | undefined; torn: boolean } {
  const transition = parseTransition(line);
  if (transition) return { transition, torn: false };
  const start = line.lastIndexOf('{"ts":');
  return { transition: start > 0 ? parseTransition(line.slice(start)) : undefined, torn: true };
}
