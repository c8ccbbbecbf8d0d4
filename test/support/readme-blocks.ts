import { settingsTables } from '../../core/catalog.ts';
import { discrepancyMarkdown } from '../../core/ipfailover/discrepancies.ts';

/** The README blocks generated from code, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return { 'settings-tables': settingsTables(), discrepancies: discrepancyMarkdown() };
}
