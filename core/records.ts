/** A JSON or YAML mapping: an object that is not null and not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A state file this toolkit wrote, `{ version: 1, key, fetchedAt, … }`, for the same `key` (the API
 * and what was asked), as a record; anything else, torn or hand-edited JSON included, is undefined:
 * no state, as on a first run. The caller checks its own fields.
 */
export function parseKeyedState(text: string, key: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isRecord(parsed) &&
    parsed.version === 1 &&
    parsed.key === key &&
    typeof parsed.fetchedAt === 'number'
    ? parsed
    : undefined;
}
