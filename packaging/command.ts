/**
 * `ipft package`: the I/O around packaging/package.ts. Reads the built bundles and, if given, the
 * administrator's Deployment; writes dist/deploy. `npm run build` runs it with --quiet only.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileProblem, readRegularText } from '../core/bounded-file.ts';
import type { CliContext } from '../core/command.ts';
import { describeError, UsageError } from '../core/errors.ts';
import { readManifests } from '../core/ipfailover/manifests.ts';
import { isDnsLabel, isDnsSubdomain } from '../core/kube-names.ts';
import { counted } from '../core/plural.ts';
import { PROBER_CHECKS } from '../core/prober-protocol.ts';
import { DEFAULT_EXPORTER_PORT, DEFAULT_PROBER_PORT, RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { kib } from '../core/units.ts';
import {
  CONFIGMAP_MAX_BYTES,
  type ConfigMapNames,
  configMapDataBytes,
  configMapNames,
  exporterData,
  proberData,
  scriptsData,
} from './configmaps.ts';
import { scriptValues } from './deployment-patch.ts';
import {
  derivedPorts,
  EXPORTER_BUNDLE,
  MODES,
  type Mode,
  NOTIFY_SCRIPT,
  PACKAGE_DEFAULTS,
  PROBER_BUNDLE,
  SCRIPT_VARIABLES,
  SETTINGS_CONFIGMAP,
  SIDECARS,
  type ToolkitPorts,
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
import { SHELL_TEMPLATES, type ShellTemplates } from './shell-templates.ts';
import { shellWord } from './shell-word.ts';
import { onlyDeployment, type SourceDeployment, toSourceDeployment } from './source-deployment.ts';

/**
 * Built files are read whole, but bounded, so a FIFO or /dev/zero under --dist is refused rather than
 * read for ever. The bound is far above any bundle: a bundle too large for its ConfigMap is said so
 * by the ConfigMap's own size check, and only in the mode that ships it.
 */
const BUILT_FILE_MAX_BYTES = 64 * 1024 * 1024;

function readText(path: string, flag: string): string {
  try {
    return readRegularText(path, BUILT_FILE_MAX_BYTES);
  } catch (error) {
    const problem = error instanceof FileProblem ? error.problem : describeError(error);
    throw new UsageError(`${flag}: cannot read ${path} (${problem}); run npm run build first`);
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
    shellTemplates: Object.fromEntries(
      Object.entries(SHELL_TEMPLATES).map(([name, path]) => [name, readText(join(dist, path), '--dist')]),
    ) as ShellTemplates,
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

function checkName(
  flag: string,
  value: string | undefined,
  isName: (name: string) => boolean,
  what: string,
): void {
  if (value !== undefined && !isName(value)) {
    throw new UsageError(`--${flag}: expected ${what}, got ${JSON.stringify(value)}`);
  }
}

function oneOfFlag<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${flag}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function portFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`--${flag}: expected a port from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  const reserved = RESERVED_PORTS.find(([from, to]) => port >= from && port <= to);
  if (reserved) {
    const [from, to, why] = reserved;
    throw new UsageError(
      `--${flag}: ${port} is ${from === to ? '' : `in ${from}-${to}, `}${why}; expected a port such as the derived ${fallback} (see core/toolkit-ports.ts)`,
    );
  }
  return port;
}

/** The checks of --check: one bundle (one-shot), or a comma list of what the prober serves. */
function checksOf(value: string, mode: Mode, bundles: Bundles, dist: string): string[] {
  if (mode === 'oneshot') {
    if (!(value in bundles.checks)) {
      throw new UsageError(
        `--check: expected one of ${Object.keys(bundles.checks).join(', ')} (the bundles in ${join(dist, 'checks')}), got ${JSON.stringify(value)}`,
      );
    }
    return [value];
  }
  const checks = value.split(',');
  if (
    checks.some((check) => !(PROBER_CHECKS as readonly string[]).includes(check)) ||
    new Set(checks).size !== checks.length
  ) {
    throw new UsageError(
      `--check: expected one or a comma list of ${PROBER_CHECKS.join(', ')} (what the prober serves), each once, got ${JSON.stringify(value)}`,
    );
  }
  return checks;
}

const packageFlags = {
  'from-deployment': { type: 'string' },
  mode: { type: 'string' },
  sidecar: { type: 'string' },
  check: { type: 'string' },
  deployment: { type: 'string' },
  container: { type: 'string' },
  namespace: { type: 'string' },
  'node-image': { type: 'string' },
  'exporter-port': { type: 'string' },
  'prober-port': { type: 'string' },
  maintenance: { type: 'boolean', default: false },
  dist: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

const parsePackageFlags = (args: string[]) => parseArgs({ args, options: packageFlags }).values;
type PackageFlags = ReturnType<typeof parsePackageFlags>;

/** Everything the flags, the Deployment file and the bundles decide, checked. */
interface PackagePlan {
  readonly options: PackageOptions;
  readonly bundles: Bundles;
  /** The Deployment of --from-deployment, and its file. */
  readonly from: { readonly source: SourceDeployment; readonly file: string } | undefined;
  readonly out: string;
  /** Where each port came from, for the summary: as given, derived from the name, or as installed. */
  readonly portOrigins: Readonly<Record<'exporter' | 'prober', string>>;
  /** --quiet: the ConfigMaps' sizes in place of the summary, and no note on a missing --from-deployment. */
  readonly quiet: boolean;
}

export function packageCommand(args: string[], context: CliContext): number {
  const plan = planPackage(parsePackageFlags(args), context);
  const files = generatePackage(plan.bundles, plan.options, plan.from?.source);
  writePackage(plan.out, files);
  const names = configMapNames(plan.bundles, plan.options.mode);
  reportWritten(plan, files.length, names, context);
  if (!plan.from) {
    if (plan.quiet) return 0;
    context.stdout(
      `ipft package: no --from-deployment: no ${PACKAGE_FILES.deployment} (kustomize needs it), no removal Job, and the exporter${plan.options.mode === 'prober' ? ' and the prober have' : ' has'} no OPENSHIFT_HA_* env\n`,
    );
    return 0;
  }
  reportChanges(plan.from.source, plan.options, context);
  reportCheckSettings(plan.from.source, plan.options, plan.out, context);
  reportPatchFindings(plan.from, plan.options, names, context);
  return 0;
}

/**
 * Checks the flags in the order they are documented, against the Deployment file if given. The bundles
 * are those installed with ipft unless --dist names others; the output goes to dist/deploy in the
 * current directory, or DIST/deploy with --dist.
 */
function planPackage(values: PackageFlags, context: CliContext): PackagePlan {
  const dist = values.dist ?? context.bundleDir ?? 'dist';
  const file = values['from-deployment'];
  const source =
    file === undefined ? undefined : toSourceDeployment(onlyDeployment(file, readManifests(file)));
  const mode = oneOfFlag('mode', values.mode, MODES, PACKAGE_DEFAULTS.mode);
  if (mode === 'oneshot') {
    for (const flag of ['sidecar', 'prober-port'] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag}: only with --mode prober, got --mode oneshot`);
    }
    if (values.maintenance)
      throw new UsageError(
        '--maintenance: only with --mode prober (the prober reads the Node), got --mode oneshot',
      );
  }
  const deployment =
    agreeing('deployment', values.deployment, source?.name, PACKAGE_DEFAULTS.deployment) ??
    PACKAGE_DEFAULTS.deployment;
  checkName('deployment', deployment, isDnsSubdomain, 'a Deployment name (DNS-1123 subdomain)');
  const { ports, portOrigins } = choosePorts(values, deployment, mode, source);
  const nodeImage = values['node-image'] ?? PACKAGE_DEFAULTS.nodeImage;
  if (nodeImage.trim() === '' || /\s/.test(nodeImage)) {
    throw new UsageError(
      `--node-image: expected an image reference such as ${PACKAGE_DEFAULTS.nodeImage}, got ${JSON.stringify(nodeImage)}`,
    );
  }
  const bundles = readBundles(dist);
  const options: PackageOptions = {
    deployment,
    container:
      agreeing('container', values.container, source?.container, PACKAGE_DEFAULTS.container) ??
      PACKAGE_DEFAULTS.container,
    namespace: agreeing('namespace', values.namespace, source?.namespace, undefined),
    mode,
    sidecar: oneOfFlag('sidecar', values.sidecar, SIDECARS, PACKAGE_DEFAULTS.sidecar),
    checks: checksOf(values.check ?? PACKAGE_DEFAULTS.check, mode, bundles, dist),
    nodeImage,
    ports,
    maintenance: values.maintenance === true,
  };
  checkName('container', options.container, isDnsLabel, 'a container name (DNS-1123 label)');
  checkName('namespace', options.namespace, isDnsLabel, 'a namespace name (DNS-1123 label)');
  const fromValues =
    mode === 'prober' ? (source?.checkSettings ?? []).filter((entry) => entry.valueFrom) : [];
  if (fromValues.length > 0) {
    throw new UsageError(
      `${fromValues.map(({ name }) => name).join(', ')} on container ${options.container}: expected literal values, got valueFrom; in prober mode check settings belong to ConfigMap ${SETTINGS_CONFIGMAP} (the prober's envFrom), and ipft package moves literal ones only: move ${fromValues.length === 1 ? 'it' : 'them'} there by hand, or keep --mode oneshot`,
    );
  }
  return {
    options,
    bundles,
    from: source && file !== undefined ? { source, file } : undefined,
    out: values.out ?? join(values.dist ?? 'dist', 'deploy'),
    portOrigins,
    quiet: values.quiet,
  };
}

/**
 * An upgrade keeps the ports the installed Deployment has, unless they are the fixed defaults of
 * earlier versions (9871, 9872), which collide between deployments: those are derived afresh.
 */
function choosePorts(
  values: PackageFlags,
  deployment: string,
  mode: Mode,
  source: SourceDeployment | undefined,
): { ports: ToolkitPorts; portOrigins: PackagePlan['portOrigins'] } {
  const derived = derivedPorts(deployment);
  const kept = (key: 'exporter' | 'prober', oldDefault: number) => {
    const installed = source?.installedPorts[key];
    return installed !== undefined && installed !== oldDefault ? installed : undefined;
  };
  const fallback = {
    exporter: kept('exporter', Number(DEFAULT_EXPORTER_PORT)) ?? derived.exporter,
    prober: kept('prober', Number(DEFAULT_PROBER_PORT)) ?? derived.prober,
  };
  const ports = {
    exporter: portFlag('exporter-port', values['exporter-port'], fallback.exporter),
    prober: portFlag('prober-port', values['prober-port'], fallback.prober),
  };
  if (mode === 'prober' && ports.exporter === ports.prober) {
    throw new UsageError(
      `--prober-port: expected a port other than the exporter's ${ports.exporter}, got it`,
    );
  }
  const origin = (key: 'exporter' | 'prober') =>
    values[`${key}-port`] !== undefined
      ? 'as given'
      : ports[key] === derived[key]
        ? `derived from the name "${deployment}"`
        : 'as installed';
  return { ports, portOrigins: { exporter: origin('exporter'), prober: origin('prober') } };
}

function writePackage(out: string, files: ReturnType<typeof generatePackage>): void {
  mkdirSync(out, { recursive: true });
  // Only the names this command writes: --out may be a directory with other files in it.
  for (const name of Object.values(PACKAGE_FILES)) rmSync(join(out, name), { force: true });
  for (const { name, contents } of files) writeFileSync(join(out, name), contents);
}

/**
 * One line: what was written where, the ports and where they came from, and the ConfigMaps' sizes;
 * with --quiet, the sizes only.
 */
function reportWritten(
  plan: PackagePlan,
  fileCount: number,
  names: ConfigMapNames,
  context: CliContext,
): void {
  const { options, bundles, portOrigins, out } = plan;
  const { mode, ports } = options;
  const sizes = [
    [names.scripts, configMapDataBytes(scriptsData(bundles, mode))],
    [names.exporter, configMapDataBytes(exporterData(bundles.exporter))],
    ...(names.prober ? [[names.prober, configMapDataBytes(proberData(bundles.prober))] as const] : []),
  ] as const;
  const configMaps = `ConfigMaps ${sizes.map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', ')} (limit ${kib(CONFIGMAP_MAX_BYTES)} each)`;
  if (plan.quiet) {
    context.stdout(`ipft package: ${configMaps}\n`);
    return;
  }
  const origins = new Set([portOrigins.exporter, ...(mode === 'prober' ? [portOrigins.prober] : [])]);
  const derivedNote =
    origins.size === 1 ? [...origins][0] : `exporter ${portOrigins.exporter}, prober ${portOrigins.prober}`;
  context.stdout(
    `ipft package: wrote ${fileCount} files to ${out} for deploy/${options.deployment}${options.namespace ? ` in ${options.namespace}` : ''}, ${mode === 'prober' ? `prober mode (${options.sidecar} sidecar)` : 'one-shot mode'}, check ${options.checks.join(',')}; ports: exporter ${ports.exporter}${mode === 'prober' ? `, prober ${ports.prober}` : ''} (${derivedNote}); ${configMaps}${mode === 'prober' ? `, and ${SETTINGS_CONFIGMAP} for the check settings` : ''}\n`,
  );
}

/** What the patch changes in the installed Deployment: its mode, and the scripts keepalived runs. */
function reportChanges(source: SourceDeployment, options: PackageOptions, context: CliContext): void {
  const { mode } = options;
  if (source.installedMode !== undefined && source.installedMode !== mode) {
    context.stdout(
      `ipft package: deploy/${source.name} runs the toolkit in ${source.installedMode === 'prober' ? 'prober' : 'one-shot'} mode; this package switches it to ${mode === 'prober' ? 'prober' : 'one-shot'} mode (--mode ${source.installedMode} keeps it)\n`,
    );
  }
  const ours = scriptValues(mode, options.checks);
  for (const name of SCRIPT_VARIABLES) {
    const before = source.replaced[name];
    if (before !== ours[name]) {
      context.stdout(
        `ipft package: ${name} ${before === undefined ? 'was unset' : `was ${before}`}, becomes ${ours[name]} (${PACKAGE_FILES.uninstallPatch} puts it back)\n`,
      );
    }
  }
}

/** ipft lint of the patched Deployment; findings the Deployment already had are told apart from any the patch brings. */
function reportPatchFindings(
  { source, file }: NonNullable<PackagePlan['from']>,
  options: PackageOptions,
  names: ConfigMapNames,
  context: CliContext,
): void {
  const key = (finding: { rule: string; field: string }) => `${finding.rule} ${finding.field}`;
  const before = new Set(lintDeploymentBody(source.manifest, file).map(key));
  const findings = lintDeploymentBody(
    patchedManifest(source, patchFor(options, source, names)),
    `${file} patched`,
  );
  for (const finding of findings) {
    const origin = before.has(key(finding)) ? 'already in the Deployment' : 'NEW with the patch';
    context.stdout(
      `  ${finding.field}: ${finding.message} [${finding.rule}, ${origin}]\n    fix: ${finding.fix}\n`,
    );
  }
  const added = findings.filter((finding) => !before.has(key(finding))).length;
  context.stdout(
    `ipft package: ipft lint of the patched Deployment: ${findings.length === 0 ? 'no findings' : `${counted(findings.length, 'finding')}, ${added} of them new with the patch`}\n`,
  );
}

/**
 * Check settings on the keepalived container: in prober mode the patch takes them off (verdict.sh
 * fails every run with them there) and the prober reads them from the settings ConfigMap, so the
 * commands that put them there are printed, to run before the apply. In one-shot mode, settings that
 * an earlier prober install moved come back on the container from its record.
 */
function reportCheckSettings(
  source: SourceDeployment,
  options: PackageOptions,
  out: string,
  context: CliContext,
): void {
  const settings = source.checkSettings;
  if (settings.length === 0) return;
  const list = settings.map(({ name }) => name).join(', ');
  if (options.mode === 'oneshot') {
    if (source.installedMode === 'prober') {
      context.stdout(
        `ipft package: ${list} come${settings.length === 1 ? 's' : ''} back on container ${options.container} as recorded when ${settings.length === 1 ? 'it' : 'they'} moved to ConfigMap ${SETTINGS_CONFIGMAP}; if you changed ${settings.length === 1 ? 'it' : 'them'} there since, set ${settings.length === 1 ? 'it' : 'them'} again with oc set env -c ${options.container}\n`,
      );
    }
    return;
  }
  if (source.installedMode === 'prober') {
    context.stdout(
      `ipft package: ${list}: kept in ConfigMap ${SETTINGS_CONFIGMAP}, and in the Deployment's record for ${PACKAGE_FILES.uninstallPatch}\n`,
    );
    return;
  }
  const assignments = settings.map(({ name, value }) => shellWord(`${name}=${value ?? ''}`)).join(' ');
  context.stdout(
    `ipft package: ${list} on container ${options.container} move${settings.length === 1 ? 's' : ''} to ConfigMap ${SETTINGS_CONFIGMAP}, where the prober reads ${settings.length === 1 ? 'it' : 'them'}; the patch takes ${settings.length === 1 ? 'it' : 'them'} off the container (${PACKAGE_FILES.uninstallPatch} puts ${settings.length === 1 ? 'it' : 'them'} back). Before the apply, run:\n` +
      `  oc apply --server-side -f ${join(out, PACKAGE_FILES.settings)} && oc set data cm/${SETTINGS_CONFIGMAP} ${assignments}\n`,
  );
}
