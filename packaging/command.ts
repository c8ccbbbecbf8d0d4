/**
 * `ipft package`: the I/O around packaging/package.ts. Reads the built bundles, the administrator's
 * Deployment (or the original an earlier run saved in the folder) and settings.env; writes the folder.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  FileProblem,
  fileKind,
  readRegularFile,
  readRegularText,
  removeQuietly,
} from '../core/bounded-file.ts';
import type { CliContext } from '../core/command.ts';
import { describeError, UsageError } from '../core/errors.ts';
import { type ManifestObject, readManifests } from '../core/ipfailover/manifests.ts';
import { counted } from '../core/plural.ts';
import { PROBER_CHECKS } from '../core/prober-protocol.ts';
import { RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { kib } from '../core/units.ts';
import {
  CONFIGMAP_MAX_BYTES,
  configMapDataBytes,
  exporterData,
  proberData,
  scriptsData,
} from './configmaps.ts';
import {
  derivedPorts,
  EXPORTER_BUNDLE,
  FIELD_MANAGER,
  MODES,
  type Mode,
  NOTIFY_SCRIPT,
  PACKAGE_DEFAULTS,
  PROBER_BUNDLE,
  SIDECARS,
  VERDICT_SCRIPT,
} from './layout.ts';
import {
  type Bundles,
  deploymentFile,
  GENERATED_MARK,
  generatePackage,
  lintDeploymentBody,
  OWNED_BY_ADMINISTRATOR,
  PACKAGE_FILES,
  type PackageFile,
  type PackageOptions,
  patchedManifest,
  patchFor,
} from './package.ts';
import {
  parseSettingsFile,
  SETTINGS_FILE,
  SETTINGS_FILE_MAX_BYTES,
  seedSettingsFile,
  settingsText,
} from './settings-file.ts';
import { SHELL_TEMPLATES, type ShellTemplates } from './shell-templates.ts';
import {
  onlyDeployment,
  type SettingMoves,
  type SourceDeployment,
  settingMoves,
  toSourceDeployment,
} from './source-deployment.ts';

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
  'node-image': { type: 'string' },
  'exporter-port': { type: 'string' },
  'prober-port': { type: 'string' },
  dist: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

type PackageFlags = ReturnType<typeof parseArgs<{ args: string[]; options: typeof packageFlags }>>['values'];

/** A file of the folder that must be a regular file of bounded size, or absent. */
function readIfPresent(path: string, maxBytes: number): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readRegularText(path, maxBytes);
  } catch (error) {
    const problem = error instanceof FileProblem ? error.problem : describeError(error);
    throw new UsageError(`--out: cannot read ${path} (${problem})`);
  }
}

/** settings.env as kustomize takes it: bounded, and UTF-8 or refused. */
function readSettingsIfPresent(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, SETTINGS_FILE_MAX_BYTES);
  } catch (error) {
    const problem = error instanceof FileProblem ? error.problem : describeError(error);
    throw new UsageError(`--out: cannot read ${path} (${problem})`);
  }
  return settingsText(bytes, path);
}

/** The Deployment of --from-deployment, or the original the folder holds; they must agree when both are there. */
function readSource(given: ManifestObject | undefined, out: string): SourceDeployment {
  const savedPath = join(out, PACKAGE_FILES.deployment);
  const savedText = readIfPresent(savedPath, SOURCE_MAX_BYTES);
  const saved =
    savedText === undefined
      ? undefined
      : toSourceDeployment(onlyDeployment(savedPath, readManifests(savedPath)), savedPath);
  if (given === undefined) {
    if (saved) return saved;
    throw new UsageError(
      `--from-deployment: expected the ipfailover Deployment as oc get deploy/NAME -o yaml prints it, or --out DIR of an earlier ipft package (with its ${PACKAGE_FILES.deployment}), got neither`,
    );
  }
  const source = toSourceDeployment(given, savedPath);
  if (saved && !isDeepStrictEqual(saved.manifest, source.manifest)) {
    throw new UsageError(
      `--from-deployment: ${given.file} differs from ${savedPath}, the original this folder installs and uninstalls to; expected the same Deployment, or no --from-deployment (edit ${savedPath} to change it, or use another --out)`,
    );
  }
  return source;
}
/** A saved Deployment is small; anything larger is not one. */
const SOURCE_MAX_BYTES = 4 * 1024 * 1024;

/** Every file the packager writes over must be one it wrote: a folder written by hand is never overwritten. */
function checkOverwrites(out: string, files: readonly PackageFile[]): void {
  for (const { name } of files) {
    if (OWNED_BY_ADMINISTRATOR.has(name) || name.endsWith('.json')) continue;
    const existing = readIfPresent(join(out, name), BUILT_FILE_MAX_BYTES);
    if (existing !== undefined && !existing.includes(GENERATED_MARK)) {
      throw new UsageError(
        `--out: ${join(out, name)} exists and was not written by ipft package; expected a new folder or one that ipft package wrote`,
      );
    }
  }
}

function lstatIfPresent(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`--out: cannot look at ${path} (${describeError(error)})`);
  }
}

/**
 * The folder before anything is read from it or written to it. --out itself may be a symlink the
 * administrator names; inside it, every path of the package must be absent or a real file (a real
 * folder for the subfolders). A symlink planted there would take a write, or what kustomize reads,
 * outside the folder, so it is refused rather than followed.
 */
function checkFolder(out: string): void {
  const top = lstatIfPresent(out);
  if (top?.isSymbolicLink()) {
    let target: Stats | undefined;
    try {
      target = statSync(out);
    } catch (error) {
      throw new UsageError(
        `--out: expected a folder, new or written by ipft package, got ${out}, a symlink that leads nowhere (${describeError(error)})`,
      );
    }
    if (!target.isDirectory())
      throw new UsageError(
        `--out: expected a folder, new or written by ipft package, got ${out}, a symlink to ${fileKind(target)}`,
      );
  } else if (top && !top.isDirectory()) {
    throw new UsageError(
      `--out: expected a folder, new or written by ipft package, got ${out}, which is ${fileKind(top)}`,
    );
  }
  if (!top) return;
  const names = Object.values(PACKAGE_FILES);
  const folders = [...new Set(names.map((name) => dirname(name)).filter((folder) => folder !== '.'))];
  for (const [path, expected] of [
    ...folders.map((folder) => [join(out, folder), 'a folder'] as const),
    ...names.map((name) => [join(out, name), 'a regular file'] as const),
  ]) {
    const stats = lstatIfPresent(path);
    if (stats === undefined || fileKind(stats) === expected.replace('folder', 'directory')) continue;
    throw new UsageError(
      `--out: expected ${path} to be ${expected} or absent, got ${fileKind(stats)}${stats.isSymbolicLink() ? ` to ${readlinkSync(path)}; ipft package never reads or writes through a symlink in its folder` : ''}`,
    );
  }
}

/**
 * Writes one file the packager owns: into a new file beside it, renamed over it. The rename replaces
 * whatever is at the path (a link that appeared since checkFolder, a hard link to another file)
 * instead of writing through it.
 */
function replaceFile(path: string, contents: string, mode: number): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, contents, { mode, flag: 'wx' });
  try {
    // The mode asked for, whatever the umask took off it.
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

/** Writes the files; an owned file of an earlier run that this one does not make (another mode, another check) goes. */
function writeFiles(out: string, files: readonly PackageFile[]): void {
  const written = new Set(files.map(({ name }) => name));
  for (const name of Object.values(PACKAGE_FILES)) {
    if (
      !written.has(name) &&
      !OWNED_BY_ADMINISTRATOR.has(name) &&
      readIfPresent(join(out, name), BUILT_FILE_MAX_BYTES)?.includes(GENERATED_MARK)
    )
      rmSync(join(out, name));
  }
  for (const { name, contents, executable } of files) {
    const path = join(out, name);
    try {
      mkdirSync(dirname(path), { recursive: true });
      const mode = executable ? 0o755 : 0o644;
      // The administrator's files are created once: 'wx' (O_EXCL) neither overwrites one nor follows a link.
      if (!OWNED_BY_ADMINISTRATOR.has(name)) replaceFile(path, contents, mode);
      else if (!existsSync(path)) {
        writeFileSync(path, contents, { mode, flag: 'wx' });
        chmodSync(path, mode);
      }
    } catch (error) {
      throw new UsageError(`--out: cannot write ${path} (${describeError(error)})`);
    }
  }
}

export function packageCommand(args: string[], context: CliContext): number {
  const values = parseArgs({ args, options: packageFlags }).values;
  const mode = oneOfFlag('mode', values.mode, MODES, PACKAGE_DEFAULTS.mode);
  if (mode === 'oneshot') {
    for (const flag of ['sidecar', 'prober-port'] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag}: only with --mode prober, got --mode oneshot`);
    }
  }
  const dist = values.dist ?? context.bundleDir ?? 'dist';
  const bundles = readBundles(dist);
  const fromFile = values['from-deployment'];
  const given = fromFile === undefined ? undefined : onlyDeployment(fromFile, readManifests(fromFile));
  // Named after the Deployment, so that two deployments never share a folder by default.
  const out = values.out ?? (given ? `ipft-${given.name}` : undefined);
  if (out === undefined) {
    throw new UsageError(
      '--from-deployment: expected the ipfailover Deployment as oc get deploy/NAME -o yaml prints it, or --out DIR of an earlier ipft package, got neither',
    );
  }
  checkFolder(out);
  const source = readSource(given, out);
  const options = packageOptions(values, mode, source, bundles, dist);
  const moves = settingMoves(source, mode);
  const settingsPath = join(out, SETTINGS_FILE);
  const existingSettings = readSettingsIfPresent(settingsPath);
  const settingsText = existingSettings ?? seedSettingsFile(mode, moves.toSettingsFile);
  const settings = parseSettingsFile(settingsText, settingsPath, mode);
  const files = [
    deploymentFile(source),
    { name: SETTINGS_FILE, contents: settingsText },
    ...generatePackage(bundles, options, source, settings),
  ];
  checkOverwrites(out, files);
  writeFiles(out, files);
  if (values.quiet) {
    context.stdout(`ipft package: ${configMapSizes(bundles, mode)}\n`);
    return 0;
  }
  context.stdout(
    `ipft package: wrote ${out} for deploy/${source.name}${source.namespace ? ` in ${source.namespace}` : ''}, ${mode === 'prober' ? `prober mode (${options.sidecar} sidecar)` : 'one-shot mode'}, check ${options.checks.join(',')}; ports: exporter ${options.ports.exporter}${mode === 'prober' ? `, prober ${options.ports.prober}` : ''}; ${configMapSizes(bundles, mode)}\n` +
      `ipft package: ${SETTINGS_FILE} ${existingSettings === undefined ? `written${moves.toSettingsFile.length > 0 ? ` with ${moves.toSettingsFile.map(({ name }) => name).join(', ')} from container ${source.container}` : ''}` : 'kept as it was'} (${counted(settings.size, 'setting')}); it is yours to edit\n`,
  );
  if (moves.toExporter.length > 0) {
    context.stdout(
      `ipft package: ${moves.toExporter.map(({ name }) => name).join(', ')} move${moves.toExporter.length === 1 ? 's' : ''} from container ${source.container} to the exporter, which reads ${moves.toExporter.length === 1 ? 'it' : 'them'}\n`,
    );
  }
  reportPatchFindings(source, fromFile ?? join(out, PACKAGE_FILES.deployment), options, context);
  context.stdout(nextCommands(out, source, moves));
  return 0;
}

function packageOptions(
  values: PackageFlags,
  mode: Mode,
  source: SourceDeployment,
  bundles: Bundles,
  dist: string,
): PackageOptions {
  const derived = derivedPorts(source.name);
  const ports = {
    exporter: portFlag('exporter-port', values['exporter-port'], derived.exporter),
    prober: portFlag('prober-port', values['prober-port'], derived.prober),
  };
  if (mode === 'prober' && ports.exporter === ports.prober) {
    throw new UsageError(
      `--prober-port: expected a port other than the exporter's ${ports.exporter}, got it`,
    );
  }
  const nodeImage = values['node-image'] ?? PACKAGE_DEFAULTS.nodeImage;
  if (nodeImage.trim() === '' || /\s/.test(nodeImage)) {
    throw new UsageError(
      `--node-image: expected an image reference such as ${PACKAGE_DEFAULTS.nodeImage}, got ${JSON.stringify(nodeImage.slice(0, 80))}`,
    );
  }
  return {
    deployment: source.name,
    container: source.container,
    namespace: source.namespace,
    mode,
    sidecar: oneOfFlag('sidecar', values.sidecar, SIDECARS, PACKAGE_DEFAULTS.sidecar),
    checks: checksOf(values.check ?? PACKAGE_DEFAULTS.check, mode, bundles, dist),
    nodeImage,
    ports,
  };
}

function configMapSizes(bundles: Bundles, mode: Mode): string {
  const sizes = [
    ['scripts', configMapDataBytes(scriptsData(bundles, mode))],
    ['exporter', configMapDataBytes(exporterData(bundles.exporter))],
    ...(mode === 'prober' ? [['prober', configMapDataBytes(proberData(bundles.prober))] as const] : []),
  ] as const;
  return `ConfigMaps ${sizes.map(([name, bytes]) => `${name} ${kib(bytes)}`).join(', ')} (limit ${kib(CONFIGMAP_MAX_BYTES)} each)`;
}

/** ipft lint of the patched Deployment; findings the Deployment already had are told apart from any the patch brings. */
function reportPatchFindings(
  source: SourceDeployment,
  file: string,
  options: PackageOptions,
  context: CliContext,
): void {
  const key = (finding: { rule: string; field: string }) => `${finding.rule} ${finding.field}`;
  const before = new Set(lintDeploymentBody(source.manifest, file).map(key));
  const names = {
    scripts: 'scripts',
    exporter: 'exporter',
    prober: options.mode === 'prober' ? 'prober' : undefined,
  };
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
 * What to run next. Server-side apply removes only the fields its own manager set, so settings that
 * another manager (oc set env, oc adm ipfailover) put on the keepalived container would stay there;
 * they are taken off in the same paused rollout.
 */
function nextCommands(out: string, source: SourceDeployment, moves: SettingMoves): string {
  const deployment = `deploy/${source.name}${source.namespace ? ` -n ${source.namespace}` : ''}`;
  const apply = `oc apply --server-side --force-conflicts --field-manager=${FIELD_MANAGER} -k ${out}`;
  const moved = [...moves.toSettingsFile, ...moves.toExporter].map(({ name }) => `${name}-`);
  const steps =
    moved.length === 0
      ? [apply]
      : [
          `oc rollout pause ${deployment}`,
          `oc set env ${deployment} -c ${source.container} ${moved.join(' ')}`,
          apply,
          `oc rollout resume ${deployment}`,
        ];
  return [
    'Next:',
    `  sh ${join(out, PACKAGE_FILES.preflight)}            # read-only: image, SCC, monitoring`,
    ...steps.map((step) => `  ${step}`),
    `  oc rollout status ${deployment}`,
    `Uninstall: sh ${join(out, PACKAGE_FILES.uninstall)}; remove ipfailover: see ${join(out, 'removal')}/`,
    '',
  ].join('\n');
}
