import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliContext } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { lint, NETWORK_TYPES, type NetworkType, toIpfailoverDeployment } from '../core/ipfailover/lint.ts';
import { ManifestError, readManifests } from '../core/ipfailover/manifests.ts';
import { counted } from '../core/plural.ts';

export const lintUsage = `ipft lint [--format text|json] [--network ${NETWORK_TYPES.join('|')}] FILE...

Checks ipfailover Deployment manifests (multi-document YAML or a List), and the cluster's
config.openshift.io/v1 Network object if one is given. --network gives the cluster's network type
instead (other: any network plugin but those two). Findings are listed by file, then line. A file
given twice (another spelling, a symlink to it) is read once. A finding is an error unless marked
"warning:" (something is ignored, the rest works). Exit 0 clean, 1 findings (warnings too), 2
unreadable input.`;

const isNetworkType = (value: string): value is NetworkType =>
  (NETWORK_TYPES as readonly string[]).includes(value);

export function lintCommand(args: string[], context: CliContext): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, network: { type: 'string' } },
  });
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format: expected text or json, got ${JSON.stringify(values.format)}`);
  }
  const networkType = values.network;
  if (networkType !== undefined && !isNetworkType(networkType)) {
    throw new UsageError(
      `--network: expected one of ${NETWORK_TYPES.join(', ')}, got ${JSON.stringify(networkType)}`,
    );
  }
  if (positionals.length === 0) throw new UsageError('expected one or more manifest files');
  const objects = distinctFiles(positionals, context).flatMap(readManifests);
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
        `${finding.file}:${finding.line ?? '?'}: ${finding.object}: ${finding.field}: ${finding.severity === 'warning' ? 'warning: ' : ''}${finding.message} [${finding.rule}]\n  fix: ${finding.fix}\n`,
      );
    }
    const deploymentsText = counted(deploymentCount, 'deployment');
    context.stdout(
      findings.length === 0
        ? `ipft lint: ${deploymentsText}, no findings\n`
        : `ipft lint: ${counted(findings.length, 'finding')} in ${deploymentsText}\n`,
    );
  }
  return findings.length === 0 ? 0 : 1;
}

/**
 * The files, each once. The same file given again, under another spelling or through a symlink or a
 * hard link (one device and inode), would be checked against itself: every pair rule would flag its
 * Deployments as their own conflict. So it is read once, and a note names the argument left out.
 * A path that cannot be stat'ed stays, for readManifests to say why it cannot be read.
 */
function distinctFiles(paths: readonly string[], context: CliContext): string[] {
  const firstOf = new Map<string, string>();
  return paths.filter((path) => {
    let identity: string;
    try {
      // bigint: inode numbers can be past 2^53.
      const { dev, ino } = statSync(path, { bigint: true });
      identity = `${dev}:${ino}`;
    } catch {
      return true;
    }
    const first = firstOf.get(identity);
    if (first === undefined) {
      firstOf.set(identity, path);
      return true;
    }
    context.stderr(`ipft lint: ${path}: ignored: the same file as ${first}, given before\n`);
    return false;
  });
}
