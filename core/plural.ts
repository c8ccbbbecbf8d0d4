/**
 * Counted nouns in messages: `1 VIP`, `2 VIPs`. The plural is the noun with an s unless given
 * (`address`, `addresses`); it can be any word that agrees with the count (`is`, `are`).
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return count === 1 ? singular : pluralForm;
}

/** The count and its noun: `counted(1, 'VIP')` is `1 VIP`, `counted(2, 'VIP')` is `2 VIPs`. */
export function counted(count: number, singular: string, pluralForm?: string): string {
  return `${count} ${plural(count, singular, pluralForm)}`;
}
