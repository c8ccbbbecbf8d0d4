/** VRIDs as the findings write them: `13-15` when contiguous, else a list. */
export function rangeText(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) return '';
  if (sorted.length === 1) return String(first);
  return sorted.length === last - first + 1 ? `${first}-${last}` : sorted.join(', ');
}
