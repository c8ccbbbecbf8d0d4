// ipft installs without a checkout. `npm pack` makes a tarball of the CLI and the built bundles; in an
// empty folder, offline, `npx ./ipfailover-toolkit-<version>.tgz package` writes the same package folder
// as the checkout's dist/cli.js.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteDirectory, temporaryDirectory } from './support/harness.ts';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const tarballName = `ipfailover-toolkit-${version}.tgz`;
/** The product docs' example Deployment, as `oc get deploy/ipfailover-keepalived -o yaml` would give it. */
const deploymentFixture = resolve('deploy/example-deployment.yaml');
const deploymentFile = 'ipfailover-keepalived.yaml';
/** The README's step 3, as an administrator types it next to the tarball and the exported Deployment. */
const packageArgs = ['package', '--from-deployment', deploymentFile];
/** Where it writes, by default: named after the Deployment. */
const packageFolder = 'ipft-ipfailover-keepalived';

/** Every file under `root`, by path relative to it, with its bytes. */
function tree(root: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path);
    }
  };
  walk(root);
  return files;
}

/** An empty folder with only the exported Deployment (and the tarball when given): where an admin runs step 3. */
function adminFolder(tarball?: string): string {
  const folder = temporaryDirectory();
  copyFileSync(deploymentFixture, join(folder, deploymentFile));
  if (tarball) copyFileSync(tarball, join(folder, tarballName));
  return folder;
}

interface PackReport {
  filename: string;
  files: { path: string }[];
}

describe('the npm pack tarball', () => {
  const destination = suiteDirectory();
  let tarball = '';
  let packed: string[] = [];

  beforeAll(() => {
    // --ignore-scripts: prepack would rebuild dist/ (rm first) under the test files running beside this
    // one; the global setup built it already, with the same scripts/build.mjs.
    const output = execFileSync(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--loglevel=error', '--pack-destination', destination],
      { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    const [report] = JSON.parse(output) as PackReport[];
    tarball = join(destination, report?.filename ?? '');
    packed = (report?.files ?? []).map(({ path }) => path).sort();
  }, 60_000);

  it('holds the CLI and the built bundles, and no sources, tests, deploy output or dependencies', () => {
    expect(statSync(tarball).isFile()).toBe(true);
    // shell-constants/ holds the snippets the build inlines into the shell scripts (and shellcheck follows
    // from the sources): nothing at run time reads them.
    const built = Object.keys(tree('dist'))
      .filter((path) => !['deploy/', 'bench/', 'shell-constants/'].some((folder) => path.startsWith(folder)))
      .map((path) => `dist/${path}`);
    expect(packed).toEqual(['README.md', ...built, 'package.json'].sort());
    for (const path of ['dist/cli.js', 'dist/re2.wasm', 'dist/package.json', 'dist/checks/prober.js'])
      expect(packed).toContain(path);

    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    expect(manifest.bin).toEqual({ ipft: 'dist/cli.js' });
    expect(manifest).not.toHaveProperty('dependencies');
    expect(manifest).not.toHaveProperty('private');
    expect(manifest.scripts).toMatchObject({ prepack: 'npm run --silent build' });
  });

  it('has a self-contained dist/cli.js: it requires Node.js built-ins only', () => {
    const source = readFileSync('dist/cli.js', 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1] ?? '');
    // ajv's standalone-code metadata: the text of a require for generated code, inside a string, never run.
    const metadata = `'require("ajv/dist/runtime/ucs2length").default'`;
    expect(source.split(metadata)).toHaveLength(2);
    expect(required.filter((name) => !isBuiltin(name))).toEqual(['ajv/dist/runtime/ucs2length']);
  });

  it('installs offline from the file alone, and `npx TARBALL package --from-deployment` writes what the checkout writes, byte for byte', () => {
    const folder = adminFolder(tarball);
    const cache = temporaryDirectory();
    // npm's offline mode with an empty cache: any registry request fails the install.
    const npx = spawnSync('npx', ['--yes', `./${tarballName}`, ...packageArgs], {
      cwd: folder,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: temporaryDirectory(),
        npm_config_offline: 'true',
        npm_config_cache: cache,
        npm_config_update_notifier: 'false',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      },
      timeout: 60_000,
    });
    expect(npx.stderr).toBe('');
    expect(npx.status).toBe(0);
    // Installed into npm's cache, not the folder: the folder gains the package folder and nothing else.
    expect(readdirSync(folder).sort()).toEqual([deploymentFile, packageFolder, tarballName].sort());
    expect(readdirSync(join(cache, '_npx')).length).toBe(1);

    // The checkout's CLI, run the same way from a folder of its own: it too finds its bundles beside itself.
    const checkoutFolder = adminFolder();
    const checkout = spawnSync(process.execPath, [resolve('dist/cli.js'), ...packageArgs], {
      cwd: checkoutFolder,
      encoding: 'utf8',
    });
    expect(checkout.stderr).toBe('');
    expect(checkout.status).toBe(0);

    const fromTarball = tree(join(folder, packageFolder));
    const fromCheckout = tree(join(checkoutFolder, packageFolder));
    expect(Object.keys(fromTarball).sort()).toEqual(Object.keys(fromCheckout).sort());
    expect(Object.keys(fromTarball)).toContain('ipfailover-deployment.yaml');
    for (const [name, bytes] of Object.entries(fromCheckout)) {
      expect(fromTarball[name]?.equals(bytes), name).toBe(true);
    }
    // And the same report: the ConfigMaps' names and sizes, the ports, the lint findings.
    expect(npx.stdout).toBe(checkout.stdout);
    expect(npx.stdout).toContain(`wrote ${packageFolder} for deploy/ipfailover-keepalived`);
  }, 90_000);

  it('is what the README’s step 3 runs', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain(`npx --yes ./${tarballName} ${packageArgs.join(' ')}`);
  });
});
