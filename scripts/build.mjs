// Bundles each entry point into one self-contained CommonJS file that runs with `node` alone.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { inlineIncludes } from './shell-includes.mjs';

const { version } = JSON.parse(await readFile('package.json', 'utf8'));

/** Installed on nodes: executable, with the entry's own `#!/usr/bin/env node` line. */
const executables = [
  'checks/tcp-check.ts',
  'checks/http-check.ts',
  'checks/externalip-check.ts',
  'checks/prober.ts',
  'cli/ipft.ts',
  'exporter/exporter.ts',
];
/** Built the same way for `npm run bench` only: the cost floor of an undici request. */
const benchmarkFloors = ['bench/undici-floor.ts'];

/**
 * The checks speak HTTP/1.1 only. undici's HTTP/2 client loads node:http2 (and with it tls,
 * crypto and fs/promises) at start-up; undici already runs without it where http2 is missing,
 * so the bundle gets undici's own fallback value instead. Measured: a quarter of the check's CPU.
 */
const withoutHttp2 = {
  name: 'without-http2',
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, () => ({ path: 'http2', namespace: 'without-http2' }));
    build.onLoad({ filter: /.*/, namespace: 'without-http2' }, () => ({
      contents: 'module.exports = { constants: {} };',
      loader: 'js',
    }));
  },
};

/** checks/x.ts → dist/checks/x.js; the CLI is dist/cli.js. */
function outputOf(entry) {
  return entry === 'cli/ipft.ts' ? 'dist/cli.js' : `dist/${entry.replace(/\.ts$/, '.js')}`;
}

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
// The repository is ESM; the bundles are CommonJS, as they are when mounted alone from a ConfigMap.
await writeFile('dist/package.json', '{ "type": "commonjs" }\n');
for (const entry of [...executables, ...benchmarkFloors]) {
  const outfile = outputOf(entry);
  // esbuild keeps the entry's shebang line; a banner would add a second one, a SyntaxError.
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [withoutHttp2],
    define: { EXPORTER_VERSION: JSON.stringify(version) },
  });
  if (executables.includes(entry)) await chmod(outfile, 0o755);
}

// The shell scripts, each one file with its includes inlined (scripts/shell-includes.mjs). The notify
// hook is plain bash (the ipfailover image has no Node.js), executable, because keepalived disables a
// notify script it cannot execute; verdict.sh, keepalived's check in prober mode, is plain bash for the
// same reason. packaging/shell/ holds the templates that `ipft package` fills in (packaging/shell-templates.ts):
// the one-shot wrapper and runtime installer, the install pre-flight and the removal Job's script.
const templates = [
  'check-wrapper.sh',
  'install-node-runtime.sh',
  'install-preflight.sh',
  'uninstall.sh',
  'remove-ipfailover.sh',
];
const shellScripts = [
  { source: 'notify/notify.sh', built: 'dist/notify/notify.sh', mode: 0o755 },
  { source: 'checks/prober/verdict.sh', built: 'dist/checks/verdict.sh', mode: 0o755 },
  ...templates.map((name) => ({
    source: `packaging/shell/${name}`,
    built: `dist/packaging/${name}`,
    mode: 0o644,
  })),
];
// Their constants come from TypeScript (scripts/shell-constants.ts), written first as the snippets they
// include. This script is plain node, so the module is bundled to plain JavaScript, imported, and removed.
const constantsModule = 'dist/shell-constants/constants.mjs';
await build({
  entryPoints: ['scripts/shell-constants.ts'],
  outfile: constantsModule,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
const { shellConstantSnippets } = await import('../dist/shell-constants/constants.mjs');
await rm(constantsModule);
for (const [script, snippet] of Object.entries(shellConstantSnippets())) {
  await writeFile(`dist/shell-constants/${script}.sh`, snippet);
}
for (const { source, built, mode } of shellScripts) {
  await mkdir(dirname(built), { recursive: true });
  await writeFile(built, inlineIncludes(source), { mode });
  await chmod(built, mode);
}

// dist/deploy: the package of the product docs' example Deployment, written by the CLI just built from
// the bundles above. `ipft package` exits non-zero, and so fails the build, when a ConfigMap would exceed
// 1 MiB. --quiet: the build prints its errors and the ConfigMaps' sizes, nothing else. Its schema
// validation (kubernetes-models) runs patterns in re2-wasm, which loads re2.wasm from the bundle's folder.
const requireFromValidate = createRequire(
  createRequire(import.meta.url).resolve('@kubernetes-models/validate'),
);
await copyFile(requireFromValidate.resolve('re2-wasm/build/wasm/re2.wasm'), 'dist/re2.wasm');
execFileSync(
  process.execPath,
  [
    'dist/cli.js',
    'package',
    '--from-deployment',
    'deploy/example-deployment.yaml',
    '--out',
    'dist/deploy',
    '--quiet',
  ],
  { stdio: 'inherit' },
);
