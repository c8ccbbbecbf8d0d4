import { parseArgs } from 'node:util';
import type { CliContext } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { lint, type NetworkType, toIpfailoverDeployment } from '../core/ipfailover/lint.ts';
import { ManifestError, readManifests } from '../core/ipfailover/manifests.ts';

export const lintUsage = `ipft lint [--format text|json] [--network ovn-kubernetes|openshift-sdn] FILE...

Checks ipfailover Deployment manifests (multi-document YAML or a List), and the cluster's
config.openshift.io/v1 Network object if one is given. Exit 0 clean, 1 findings, 2 unreadable input.`;

const networkTypes: readonly NetworkType[] = ['ovn-kubernetes', 'openshift-sdn', 'other'];

export function lintCommand(args: string[], context: CliContext): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, network: { type: 'string' } },
  });
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format: expected text or json, got ${JSON.stringify(values.format)}`);
  }
  const networkType = values.network as NetworkType | undefined;
  if (networkType !== undefined && !networkTypes.includes(networkType)) {
    throw new UsageError(
      `--network: expected one of ${networkTypes.join(', ')}, got ${JSON.stringify(values.network)}`,
    );
  }
  if (positionals.length === 0) throw new UsageError('expected one or more manifest files');
  const objects = positionals.flatMap(readManifests);
  const deployments = objects.filter((object) => object.kind === 'Deployment').map(toIpfailoverDeployment);
  if (deployments.length === 0) throw new ManifestError(`${positionals.join(', ')}: no Deployment to check`);
  const deploymentCount = deployments.length;
  const findings = lint({
    deployments,
    network: objects.find((object) => object.kind === 'Network'),
    networkType,
  });
  if (values.format === 'json') {
    context.stdout(`${JSON.stringify({ deployments: deploymentCount, findings }, null, 2)}\n`);
  } else {
    for (const finding of findings) {
      context.stdout(
        `${finding.file}:${finding.line ?? '?'}: ${finding.object}: ${finding.field}: ${finding.message} [${finding.rule}]\n  fix: ${finding.fix}\n`,
      );
    }
    context.stdout(
      findings.length === 0
        ? `ipft lint: ${deploymentCount} deployment(s), no findings\n`
        : `ipft lint: ${findings.length} finding(s) in ${deploymentCount} deployment(s)\n`,
    );
  }
  return findings.length === 0 ? 0 : 1;
}
