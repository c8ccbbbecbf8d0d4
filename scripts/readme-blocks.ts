import { discrepancyMarkdown } from '../core/ipfailover/discrepancies.ts';
import { ruleListMarkdown } from '../core/ipfailover/rules/index.ts';
import { settingsTables } from '../packaging/catalog.ts';
import type { ConfigMapNames } from '../packaging/configmaps.ts';
import { derivedPorts, PACKAGE_DEFAULTS } from '../packaging/layout.ts';
import { ocCommands, type PackageOptions } from '../packaging/package.ts';

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

/** The README blocks generated from code, by marker name. */
export function generatedBlocks(): Record<string, string> {
  return {
    'settings-tables': settingsTables(),
    discrepancies: discrepancyMarkdown(),
    'lint-rules': ruleListMarkdown(),
    'oc-commands': `\`\`\`sh\n${ocCommands(readmeOcOptions(), README_CONFIGMAP_NAMES)}\`\`\``,
  };
}
