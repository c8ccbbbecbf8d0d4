import { settingsTables } from '../../core/catalog.ts';
import { discrepancyMarkdown } from '../../core/ipfailover/discrepancies.ts';
import { ruleListMarkdown } from '../../core/ipfailover/rules/index.ts';
import type { ConfigMapNames } from '../../packaging/configmaps.ts';
import {
  DEFAULT_CHECK,
  DEFAULT_CONTAINER,
  DEFAULT_DEPLOYMENT,
  DEFAULT_MODE,
  DEFAULT_NODE_IMAGE,
  DEFAULT_SIDECAR,
  derivedPorts,
} from '../../packaging/layout.ts';
import { ocCommands, type PackageOptions } from '../../packaging/package.ts';

/** The README shows the oc commands for the defaults; the ConfigMaps' hashes change with every build, so it names them so. */
export const README_CONFIGMAP_NAMES: ConfigMapNames = {
  scripts: 'ipfailover-toolkit-scripts-<hash>',
  exporter: 'ipfailover-toolkit-exporter-<hash>',
  prober: 'ipfailover-toolkit-prober-<hash>',
};

export function readmeOcOptions(): PackageOptions {
  return {
    deployment: DEFAULT_DEPLOYMENT,
    container: DEFAULT_CONTAINER,
    namespace: undefined,
    mode: DEFAULT_MODE,
    sidecar: DEFAULT_SIDECAR,
    checks: [DEFAULT_CHECK],
    nodeImage: DEFAULT_NODE_IMAGE,
    ports: derivedPorts(DEFAULT_DEPLOYMENT),
  };
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
