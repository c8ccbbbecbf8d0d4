import { discrepancyMarkdown } from '../core/ipfailover/discrepancies.ts';
import { ruleListMarkdown } from '../core/ipfailover/rules/index.ts';
import { RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { kib } from '../core/units.ts';
import { buildSizes, CHECK_BUNDLES_TARGET_BYTES } from '../testkit/build-sizes.ts';
import { settingsTables } from './settings-catalog.ts';

/** The README blocks generated from code, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return {
    'settings-tables': settingsTables(),
    discrepancies: discrepancyMarkdown(),
    'lint-rules': ruleListMarkdown(),
    'reserved-ports': RESERVED_PORTS.map(
      ([from, to, why]) => `- ${from === to ? from : `${from}-${to}`}: ${why.replace(/^used by /, '')}`,
    ).join('\n'),
  };
}

/** The README's figures that are pure build outputs (sizes), from a build in `dist`: test/readme-figures.test.ts keeps them true. */
export function buildFigureBlocks(dist = 'dist'): Record<string, string> {
  const { checks, allChecks, configMaps } = buildSizes(dist);
  return {
    'build-sizes': [
      `Bundles: ${checks.map(({ name, bytes }) => `${name} ${kib(bytes)}`).join(', ')}; all checks ${kib(allChecks)}`,
      `(target < ${CHECK_BUNDLES_TARGET_BYTES / 1024} KiB, ${allChecks < CHECK_BUNDLES_TARGET_BYTES ? 'met' : '**missed**'}). The one-shot scripts ConfigMap is ${kib(configMaps.oneshotScripts)}; in prober mode it is`,
      `${kib(configMaps.proberScripts)} and the prober's ${kib(configMaps.prober)}; the exporter's is ${kib(configMaps.exporter)} (limit 1 MiB each).`,
    ].join('\n'),
  };
}

/** The text between a README block's markers. */
export function readmeBlock(readme: string, name: string): string | undefined {
  return new RegExp(`<!-- ${name}:begin[^>]*-->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme)?.[1];
}
