import { basename, join } from 'node:path';
import { discrepancyMarkdown } from '../core/ipfailover/discrepancies.ts';
import { ruleListMarkdown } from '../core/ipfailover/rules/index.ts';
import { RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { kib } from '../core/units.ts';
import { settingsTables } from '../packaging/catalog.ts';
import type { ConfigMapNames } from '../packaging/configmaps.ts';
import { derivedPorts, PACKAGE_DEFAULTS } from '../packaging/layout.ts';
import { ocCommands, type PackageOptions } from '../packaging/package.ts';
import { SHELL_TEMPLATES, type ShellTemplates } from '../packaging/shell-templates.ts';
import { buildSizes, CHECK_BUNDLES_TARGET_BYTES } from '../testkit/build-sizes.ts';
import { inlineIncludes } from './shell-includes.mjs';

/** The README shows the oc commands for the defaults; the ConfigMaps' hashes change with every build, so it names them so. */
export const README_CONFIGMAP_NAMES: ConfigMapNames = {
  scripts: 'ipfailover-toolkit-scripts-<hash>',
  exporter: 'ipfailover-toolkit-exporter-<hash>',
  prober: 'ipfailover-toolkit-prober-<hash>',
};

export function readmeOcOptions(): PackageOptions {
  const { check, ...defaults } = PACKAGE_DEFAULTS;
  return { ...defaults, namespace: undefined, checks: [check], ports: derivedPorts(defaults.deployment) };
}

/**
 * The shell templates as the build writes them (dist/packaging/X from packaging/shell/X, includes
 * inlined), made from their sources, so that the README's blocks need no build.
 */
function shellTemplatesFromSource(): ShellTemplates {
  return Object.fromEntries(
    Object.entries(SHELL_TEMPLATES).map(([name, built]) => [
      name,
      inlineIncludes(join('packaging/shell', basename(built))),
    ]),
  ) as ShellTemplates;
}

/** The README blocks generated from code, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return {
    'settings-tables': settingsTables(),
    discrepancies: discrepancyMarkdown(),
    'lint-rules': ruleListMarkdown(),
    'reserved-ports': RESERVED_PORTS.map(
      ([from, to, why]) => `- ${from === to ? from : `${from}-${to}`}: ${why.replace(/^used by /, '')}`,
    ).join('\n'),
    'oc-commands': `\`\`\`sh\n${ocCommands(shellTemplatesFromSource(), readmeOcOptions(), README_CONFIGMAP_NAMES)}\`\`\``,
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
