/**
 * `ipft package`: the I/O around packaging/package.ts. Reads the built bundles and, if given, the
 * administrator's Deployment; writes dist/deploy. `npm run build` runs it with no flags.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliContext, UsageError } from '../cli/context.ts';
import { describeError } from '../core/errors.ts';
import { ManifestError, readManifests } from '../core/ipfailover/manifests.ts';
import { CONFIGMAP_MAX_BYTES, configMapDataBytes, PackageError, scriptsData } from './configmaps.ts';
import { scriptValues } from './deployment-patch.ts';
import {
  DEFAULT_CHECK,
  DEFAULT_CONTAINER,
  DEFAULT_DEPLOYMENT,
  DEFAULT_NODE_IMAGE,
  EXPORTER_BUNDLE,
  EXPORTER_CONFIGMAP,
  NOTIFY_SCRIPT,
  PROBER_BUNDLE,
  SCRIPT_VARIABLES,
  SCRIPTS_CONFIGMAP,
  VERDICT_SCRIPT,
} from './layout.ts';
import {
  type Bundles,
  generatePackage,
  lintDeploymentBody,
  PACKAGE_FILES,
  type PackageOptions,
  patchedManifest,
  patchFor,
} from './package.ts';
import { onlyDeployment, type SourceDeployment, toSourceDeployment } from './source-deployment.ts';

/** Kubernetes object names: a DNS-1123 label (containers, namespaces) or subdomain (Deployments). */
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path} (${describeError(error)}); run npm run build first`);
  }
}

/** The bundles of `npm run build`: every dist/checks/*.js but the prober is a check (so a new check is packaged as it is built). */
export function readBundles(dist: string): Bundles {
  let names: string[];
  try {
    names = readdirSync(join(dist, 'checks')).filter(
      (name) => name.endsWith('.js') && name !== PROBER_BUNDLE,
    );
  } catch (error) {
    throw new UsageError(
      `--dist: cannot list ${join(dist, 'checks')} (${describeError(error)}); run npm run build first`,
    );
  }
  if (names.length === 0)
    throw new UsageError(`--dist: expected check bundles in ${join(dist, 'checks')}, got none`);
  return {
    checks: Object.fromEntries(
      names.sort().map((name) => [name.replace(/\.js$/, ''), readText(join(dist, 'checks', name), '--dist')]),
    ),
    notify: readText(join(dist, 'notify', NOTIFY_SCRIPT), '--dist'),
    prober: readText(join(dist, 'checks', PROBER_BUNDLE), '--dist'),
    verdict: readText(join(dist, 'checks', VERDICT_SCRIPT), '--dist'),
    exporter: readText(join(dist, 'exporter', EXPORTER_BUNDLE), '--dist'),
  };
}

/** A flag that must agree with the Deployment file when both are given. */
function agreeing(
  flag: string,
  given: string | undefined,
  fromFile: string | undefined,
  fallback: string | undefined,
) {
  if (given !== undefined && fromFile !== undefined && given !== fromFile) {
    throw new UsageError(
      `--${flag}: expected ${JSON.stringify(fromFile)} (as in --from-deployment) or nothing, got ${JSON.stringify(given)}`,
    );
  }
  return fromFile ?? given ?? fallback;
}

function checkName(flag: string, value: string | undefined, pattern: RegExp, what: string): void {
  if (value !== undefined && !pattern.test(value)) {
    throw new UsageError(`--${flag}: expected ${what}, got ${JSON.stringify(value)}`);
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function packageCommand(args: string[], context: CliContext): number {
  const { values } = parseArgs({
    args,
    options: {
      'from-deployment': { type: 'string' },
      check: { type: 'string' },
      deployment: { type: 'string' },
      container: { type: 'string' },
      namespace: { type: 'string' },
      'node-image': { type: 'string' },
      dist: { type: 'string', default: 'dist' },
      out: { type: 'string' },
    },
  });
  const file = values['from-deployment'];
  let source: SourceDeployment | undefined;
  try {
    source = file === undefined ? undefined : toSourceDeployment(onlyDeployment(file, readManifests(file)));
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    context.stderr(`ipft package: ${error.message}\n`);
    return 2;
  }
  const options: PackageOptions = {
    deployment:
      agreeing('deployment', values.deployment, source?.name, DEFAULT_DEPLOYMENT) ?? DEFAULT_DEPLOYMENT,
    container:
      agreeing('container', values.container, source?.container, DEFAULT_CONTAINER) ?? DEFAULT_CONTAINER,
    namespace: agreeing('namespace', values.namespace, source?.namespace, undefined),
    check: values.check ?? DEFAULT_CHECK,
    nodeImage: values['node-image'] ?? DEFAULT_NODE_IMAGE,
  };
  checkName('deployment', options.deployment, dnsSubdomain, 'a Deployment name (DNS-1123 subdomain)');
  checkName('container', options.container, dnsLabel, 'a container name (DNS-1123 label)');
  checkName('namespace', options.namespace, dnsLabel, 'a namespace name (DNS-1123 label)');
  if (options.nodeImage.trim() === '' || /\s/.test(options.nodeImage)) {
    throw new UsageError(
      `--node-image: expected an image reference such as ${DEFAULT_NODE_IMAGE}, got ${JSON.stringify(options.nodeImage)}`,
    );
  }
  const bundles = readBundles(values.dist);
  if (!(options.check in bundles.checks)) {
    throw new UsageError(
      `--check: expected one of ${Object.keys(bundles.checks).join(', ')} (the bundles in ${join(values.dist, 'checks')}), got ${JSON.stringify(options.check)}`,
    );
  }

  let files: ReturnType<typeof generatePackage>;
  try {
    files = generatePackage(bundles, options, source);
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    context.stderr(`ipft package: ${error.message}\n`);
    return 1;
  }
  const out = values.out ?? join(values.dist, 'deploy');
  mkdirSync(out, { recursive: true });
  // Only the names this command writes: --out may be a directory with other files in it.
  for (const name of Object.values(PACKAGE_FILES)) rmSync(join(out, name), { force: true });
  for (const { name, contents } of files) writeFileSync(join(out, name), contents);

  const sizes = [
    [SCRIPTS_CONFIGMAP, configMapDataBytes(scriptsData(bundles))],
    [EXPORTER_CONFIGMAP, configMapDataBytes({ [EXPORTER_BUNDLE]: bundles.exporter })],
  ] as const;
  context.stdout(
    `ipft package: wrote ${files.length} files to ${out} for deploy/${options.deployment}${options.namespace ? ` in ${options.namespace}` : ''}, check ${options.check}; ConfigMaps ${sizes
      .map(([name, bytes]) => `${name} ${kib(bytes)}`)
      .join(', ')} (limit ${kib(CONFIGMAP_MAX_BYTES)} each)\n`,
  );
  if (!source || file === undefined) {
    context.stdout(
      `ipft package: no --from-deployment: no ${PACKAGE_FILES.deployment} (kustomize needs it), no removal Job, and the exporter has no OPENSHIFT_HA_* env\n`,
    );
    return 0;
  }
  const ours = scriptValues(options.check);
  for (const name of SCRIPT_VARIABLES) {
    const before = source.replaced[name];
    if (before !== ours[name]) {
      context.stdout(
        `ipft package: ${name} ${before === undefined ? 'was unset' : `was ${before}`}, becomes ${ours[name]} (${PACKAGE_FILES.uninstallPatch} puts it back)\n`,
      );
    }
  }
  // Findings the Deployment already had are reported apart from any the patch would bring.
  const key = (finding: { rule: string; field: string }) => `${finding.rule} ${finding.field}`;
  const before = new Set(lintDeploymentBody(source.manifest, file).map(key));
  const findings = lintDeploymentBody(patchedManifest(source, patchFor(options, source)), `${file} patched`);
  for (const finding of findings) {
    const origin = before.has(key(finding)) ? 'already in the Deployment' : 'NEW with the patch';
    context.stdout(
      `  ${finding.field}: ${finding.message} [${finding.rule}, ${origin}]\n    fix: ${finding.fix}\n`,
    );
  }
  const added = findings.filter((finding) => !before.has(key(finding))).length;
  context.stdout(
    `ipft package: ipft lint of the patched Deployment: ${findings.length === 0 ? 'no findings' : `${findings.length} finding(s), ${added} of them new with the patch`}\n`,
  );
  return 0;
}
