import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { type IPodTemplateSpec, PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { isRecord } from '../core/records.ts';
import { RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { readBundles } from '../packaging/command.ts';
import {
  assertConfigMapFits,
  CONFIGMAP_MAX_BYTES,
  configMapDataBytes,
  hashedName,
  PackageError,
} from '../packaging/configmaps.ts';
import { grafanaDashboard } from '../packaging/dashboard.ts';
import {
  PROBE_REPLY_MS,
  PROBER_OLD_SPACE_MIB,
  PROBER_RESOURCES,
  proberProbeScript,
} from '../packaging/deployment-patch.ts';
import {
  derivedPorts,
  EXPORTER_PORT_BASE,
  IMAGE_VARIABLE,
  names,
  PACKAGE_DEFAULTS,
  PORT_SLOTS,
  PROBER_PORT_BASE,
  paths,
} from '../packaging/layout.ts';
import { JOB_NAME } from '../packaging/monitoring.ts';
import { ocCommands, PACKAGE_FILES, PREFLIGHT_MARKS } from '../packaging/package.ts';
import { IMAGE_REMOVAL_SCRIPT, removalCommand } from '../packaging/removal-job.ts';
import { SHELL_TEMPLATES } from '../packaging/shell-templates.ts';
import { strategicMerge } from '../packaging/strategic-merge.ts';
import { README_CONFIGMAP_NAMES, readmeOcOptions } from '../scripts/readme-blocks.ts';
import { ipft } from './support/cli.ts';
import { waitFor } from './support/exporter.ts';
import { onCleanup, temporaryDirectory } from './support/harness.ts';
import { bundleNode } from './support/node.ts';

const seed = 'test/fixtures/lint/seed-example.yaml';
type Json = Record<string, unknown>;

/** The YAML documents of a file (the generated header is a comment). */
function documents(path: string): Json[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS() as unknown)
    .filter(isRecord);
}

function only(path: string): Json {
  const [first, ...rest] = documents(path);
  if (!first || rest.length > 0) throw new Error(`${path}: expected one YAML document`);
  return first;
}

/** `ipft package --from-deployment` into a fresh directory. */
async function packageFrom(file: string, ...extra: string[]) {
  const out = temporaryDirectory();
  const result = await ipft(['package', '--from-deployment', file, '--out', out, ...extra]);
  return { out, result, read: (name: string) => only(join(out, name)) };
}

/** The seed Deployment patched by `ipft package` with these flags: what kustomize makes. */
async function patchedSeed(...extra: string[]) {
  const packaged = await packageFrom(seed, ...extra);
  expect(packaged.result.stderr).toBe('');
  return {
    ...packaged,
    patched: strategicMerge(
      packaged.read(PACKAGE_FILES.deployment),
      packaged.read(PACKAGE_FILES.patch),
    ) as Json,
  };
}

/** Walks a path of keys and list indexes, failing loudly where the object has no such field. */
function at(object: unknown, ...path: (string | number)[]): unknown {
  let value: unknown = object;
  for (const key of path) {
    if (typeof key === 'number' ? !Array.isArray(value) : !isRecord(value)) {
      throw new Error(`no ${path.join('.')}: stopped at ${String(key)}`);
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** The element of a named list (containers, volumes, env, mounts) with that name; fails loudly without one. */
function named<T extends { name?: string }>(list: readonly T[] | undefined, name: string): T {
  const found = list?.find((entry) => entry.name === name);
  if (found === undefined) throw new Error(`no element named ${name}`);
  return found;
}

const hasNamed = (list: readonly { name?: string }[] | undefined, name: string) =>
  (list ?? []).some((entry) => entry.name === name);

/** The pod spec of a Deployment, a Job or a Deployment patch. */
const podSpecOf = (object: unknown) => at(object, 'spec', 'template', 'spec') as IPodSpec;

/** A container's env as a map: literal values, valueFrom as it is. */
const envOf = (container: IContainer) =>
  Object.fromEntries((container.env ?? []).map((entry) => [entry.name, entry.value ?? entry.valueFrom]));

const seedEnv = () => {
  return (named(podSpecOf(only(seed)).containers, PACKAGE_DEFAULTS.container).env ?? []).map(
    ({ name, value }) => ({
      name,
      value: value ?? '',
    }),
  );
};

/** The seed's env as the patch leaves it: its own values, but the scripts of the prober mode. */
function expectSeedEnvPatched(env: Record<string, unknown>, entries: ReturnType<typeof seedEnv>): void {
  for (const { name, value } of entries) {
    expect(env[name], name).toBe(
      name === 'OPENSHIFT_HA_CHECK_SCRIPT'
        ? '/etc/ipfailover-toolkit/verdict.sh tcp-check'
        : name === 'OPENSHIFT_HA_NOTIFY_SCRIPT'
          ? '/etc/ipfailover-toolkit/notify.sh'
          : value,
    );
  }
}

/** Everything but the `$patch: delete` directives: what a schema can check. */
function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((item) => !(isRecord(item) && item.$patch === 'delete')).map(withoutDirectives);
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutDirectives(item)]));
  return value;
}

/**
 * Lists of named things sorted by name (kustomize and the API server order new elements their own
 * ways), and empty lists left out (kustomize keeps a list its patch emptied; the API server drops it).
 */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalized);
    const key = (item: unknown) =>
      isRecord(item) ? String(item.name ?? item.mountPath ?? item.containerPort ?? '') : '';
    return items.every((item) => key(item) !== '')
      ? items.sort((a, b) => key(a).localeCompare(key(b)))
      : items;
  }
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => !(Array.isArray(item) && item.length === 0))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, normalized(item)]),
    );
  return value;
}

/** The model of each kind, given the parsed YAML as it is: its validate() is the schema check. */
const validators: Readonly<Record<string, (data: never) => { validate(): void }>> = {
  ConfigMap: (data) => new ConfigMap(data),
  Deployment: (data) => new Deployment(data),
  Job: (data) => new Job(data),
  PodMonitor: (data) => new PodMonitor(data),
  PrometheusRule: (data) => new PrometheusRule(data),
  ClusterRole: (data) => new ClusterRole(data),
  ClusterRoleBinding: (data) => new ClusterRoleBinding(data),
};

const MODES = [
  ['prober', 'native', []],
  ['prober', 'regular', ['--sidecar', 'regular']],
  ['oneshot', undefined, ['--mode', 'oneshot']],
] as const;

describe('ipft package: every generated object is valid', () => {
  it.each(MODES)(
    '%s mode (%s): each object of each YAML file against its Kubernetes or prometheus-operator schema',
    async (mode, _sidecar, flags) => {
      const { out, result } = await packageFrom(seed, ...flags);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const kinds: string[] = [];
      for (const file of Object.values(PACKAGE_FILES).filter((name) => name.endsWith('.yaml'))) {
        if (!existsSync(join(out, file))) continue;
        if (
          [PACKAGE_FILES.kustomization, PACKAGE_FILES.patch, PACKAGE_FILES.uninstallPatch].includes(
            file as never,
          )
        )
          continue;
        for (const object of documents(join(out, file))) {
          const validator = validators[String(object.kind)];
          expect(validator, `${file}: ${String(object.kind)}`).toBeDefined();
          expect(() => validator?.(object as never).validate(), file).not.toThrow();
          kinds.push(String(object.kind));
        }
      }
      expect(kinds.sort()).toEqual(
        [
          // The externalip-check's and the maintenance switch's (each in the kustomization only when used).
          ...Array(2).fill('ClusterRole'),
          ...Array(2).fill('ClusterRoleBinding'),
          ...Array(mode === 'prober' ? 4 : 2).fill('ConfigMap'),
          'Deployment',
          'Job',
          'PodMonitor',
          'PrometheusRule',
        ].sort(),
      );
    },
  );

  it.each(MODES)(
    '%s mode (%s): the patch (without its delete directives) is a valid pod template, the patched seed a valid Deployment',
    async (_mode, _sidecar, flags) => {
      const { read, patched } = await patchedSeed(...flags);
      const template = withoutDirectives(at(read(PACKAGE_FILES.patch), 'spec', 'template'));
      expect(() => new PodTemplateSpec(template as never).validate()).not.toThrow();
      expect(() => new Deployment(patched as never).validate()).not.toThrow();
      expect(JSON.stringify(patched)).not.toContain('$patch');
    },
  );

  it('npm run build wrote dist/deploy, the same as ipft package without a Deployment', async () => {
    const out = temporaryDirectory();
    expect((await ipft(['package', '--out', out])).code).toBe(0);
    for (const name of Object.values(PACKAGE_FILES)) {
      const built = join('dist/deploy', name);
      expect(existsSync(built), built).toBe(existsSync(join(out, name)));
      if (existsSync(built))
        expect(readFileSync(built, 'utf8'), name).toBe(readFileSync(join(out, name), 'utf8'));
    }
    expect(existsSync(join(out, PACKAGE_FILES.deployment))).toBe(false);
    expect(existsSync(join(out, PACKAGE_FILES.removalJob))).toBe(false);
    // The default is prober mode.
    expect(existsSync(join(out, PACKAGE_FILES.prober))).toBe(true);
  });

  it('npm run build prints nothing but the ConfigMaps’ names and sizes (and its errors, of which it had none)', () => {
    const { stdout, stderr } = inject('buildOutput');
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^ipft package: ConfigMaps ipfailover-toolkit-scripts-[0-9a-f]{8} \d+\.\d KiB, ipfailover-toolkit-exporter-[0-9a-f]{8} \d+\.\d KiB, ipfailover-toolkit-prober-[0-9a-f]{8} \d+\.\d KiB \(limit 1024\.0 KiB each\)\n$/,
    );
  });

  it('by hand, without --from-deployment, it says what that leaves out; --quiet prints the same sizes alone', async () => {
    const full = await ipft(['package', '--out', temporaryDirectory()]);
    expect(full).toMatchObject({ code: 0, stderr: '' });
    const [summary, note, ...rest] = full.stdout.split('\n');
    expect(rest).toEqual(['']);
    expect(summary).toMatch(
      /^ipft package: wrote \d+ files to .* for deploy\/ipfailover-keepalived, prober mode/,
    );
    expect(note).toBe(
      'ipft package: no --from-deployment: no ipfailover-deployment.yaml (kustomize needs it), no removal Job, and the exporter and the prober have no OPENSHIFT_HA_* env',
    );
    const quiet = await ipft(['package', '--out', temporaryDirectory(), '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
    const sizes = /ConfigMaps .* \(limit 1024\.0 KiB each\)/.exec(summary ?? '')?.[0];
    expect(quiet.stdout).toBe(`ipft package: ${sizes}\n`);
    expect(quiet.stdout).toBe(inject('buildOutput').stdout);
  });

  it('a run in another mode leaves none of the first run’s mode-only files behind', async () => {
    const out = temporaryDirectory();
    expect((await ipft(['package', '--out', out])).code).toBe(0);
    expect((await ipft(['package', '--out', out, '--mode', 'oneshot'])).code).toBe(0);
    expect(existsSync(join(out, PACKAGE_FILES.prober))).toBe(false);
    expect(existsSync(join(out, PACKAGE_FILES.settings))).toBe(false);
  });
});

describe('the ConfigMaps', () => {
  it('one-shot: every built check with its wrapper, notify.sh and the runtime installer, byte for byte', async () => {
    const bundles = readBundles('dist');
    const { read } = await packageFrom(seed, '--mode', 'oneshot');
    const data = read(PACKAGE_FILES.scripts).data as Record<string, string>;
    const checks = Object.keys(bundles.checks);
    expect(checks).toEqual(expect.arrayContaining(['tcp-check', 'http-check']));
    expect(checks).not.toContain('prober');
    expect(Object.keys(data).sort()).toEqual(
      [...checks, ...checks.map((check) => `${check}.js`), 'notify.sh', 'install-node-runtime.sh'].sort(),
    );
    for (const check of checks) {
      expect(data[`${check}.js`]).toBe(bundles.checks[check]);
      expect(data[check]).toMatch(new RegExp(`^#!/bin/bash\\n# ${check}: `));
    }
    expect(data['notify.sh']).toBe(bundles.notify);
  });

  it('prober: verdict.sh and notify.sh only (bash, no Node.js), the prober bundle apart, the settings with IPF_CHECKS', async () => {
    const bundles = readBundles('dist');
    const { read } = await packageFrom(seed, '--check', 'http-check,tcp-check');
    const scripts = read(PACKAGE_FILES.scripts).data as Record<string, string>;
    expect(scripts).toEqual({ 'verdict.sh': bundles.verdict, 'notify.sh': bundles.notify });
    for (const script of Object.values(scripts)) expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(read(PACKAGE_FILES.prober).data).toEqual({ 'prober.js': bundles.prober });
    expect(read(PACKAGE_FILES.exporter).data).toEqual({ 'exporter.js': bundles.exporter });
    const settings = read(PACKAGE_FILES.settings);
    expect(at(settings, 'metadata', 'name')).toBe('ipfailover-toolkit-settings');
    expect(settings.data).toEqual({ IPF_CHECKS: 'http-check,tcp-check' });
    expect(settings.immutable).toBeUndefined();
    expect(readFileSync(join('dist/deploy', PACKAGE_FILES.settings), 'utf8')).toMatch(
      /ConfigMap ipfailover-toolkit-settings is THE place for the check settings\n# \(IPF_HTTP_\*, IPF_TCP_\*, IPF_EXTERNALIP_\*, IPF_KUBECONFIG\)/,
    );
  });

  it.each(MODES)(
    '%s mode (%s): the mounted ConfigMaps are named <name>-<8 hex of their data>, immutable, under 1 MiB, and the patch names them',
    async (mode, _sidecar, flags) => {
      const { read } = await packageFrom(seed, ...flags);
      const files = [
        PACKAGE_FILES.scripts,
        PACKAGE_FILES.exporter,
        ...(mode === 'prober' ? [PACKAGE_FILES.prober] : []),
      ];
      const volumes = podSpecOf(read(PACKAGE_FILES.patch)).volumes ?? [];
      for (const file of files) {
        const configMap = read(file);
        const data = configMap.data as Record<string, string>;
        const base = file.replace('-configmap.yaml', '');
        expect(at(configMap, 'metadata', 'name')).toBe(hashedName(`ipfailover-toolkit-${base}`, data));
        expect(at(configMap, 'metadata', 'name')).toMatch(
          new RegExp(`^ipfailover-toolkit-${base}-[0-9a-f]{8}$`),
        );
        expect(configMap.immutable).toBe(true);
        expect(configMapDataBytes(data)).toBeLessThanOrEqual(CONFIGMAP_MAX_BYTES);
        expect(volumes.map((volume) => volume.configMap?.name)).toContain(at(configMap, 'metadata', 'name'));
      }
    },
  );

  it('a change of one byte is a new name, so a new pod template; the same data the same name', () => {
    const data = { 'verdict.sh': '#!/bin/bash\n', 'notify.sh': '#!/bin/bash\n' };
    const name = hashedName('ipfailover-toolkit-scripts', data);
    expect(
      hashedName('ipfailover-toolkit-scripts', {
        'notify.sh': data['notify.sh'],
        'verdict.sh': data['verdict.sh'],
      }),
    ).toBe(name);
    expect(hashedName('ipfailover-toolkit-scripts', { ...data, 'notify.sh': '#!/bin/bash \n' })).not.toBe(
      name,
    );
    // Keys and values cannot trade bytes.
    expect(hashedName('x', { ab: 'c' })).not.toBe(hashedName('x', { a: 'bc' }));
  });

  it('ipft package prints the hashed names and their sizes', async () => {
    const { result, read } = await packageFrom(seed);
    for (const file of [PACKAGE_FILES.scripts, PACKAGE_FILES.exporter, PACKAGE_FILES.prober]) {
      expect(result.stdout).toContain(`${String(at(read(file), 'metadata', 'name'))} `);
    }
    expect(result.stdout).toContain('and ipfailover-toolkit-settings for the check settings');
  });

  it('counts keys and values in bytes, as the API server does', () => {
    expect(configMapDataBytes({ a: 'é', bb: '' })).toBe(1 + 2 + 2);
  });

  it('refuses a ConfigMap over 1 MiB, naming it, its size and the limit', () => {
    const key = 'exporter.js';
    const fits = { [key]: 'x'.repeat(CONFIGMAP_MAX_BYTES - key.length) };
    expect(() => assertConfigMapFits('ipfailover-toolkit-exporter', fits)).not.toThrow();
    const over = { [key]: 'x'.repeat(CONFIGMAP_MAX_BYTES - key.length + 1) };
    expect(() => assertConfigMapFits('ipfailover-toolkit-exporter', over)).toThrow(PackageError);
    expect(() => assertConfigMapFits('ipfailover-toolkit-exporter', over)).toThrow(
      "ConfigMap ipfailover-toolkit-exporter: expected at most 1048576 bytes of data (1024.0 KiB, the API server's limit for one ConfigMap), got 1048577 bytes (1024.0 KiB; largest: exporter.js 1024.0 KiB)",
    );
  });

  it('fails the package (and so npm run build) with that message when a bundle is too large', async () => {
    const dist = temporaryDirectory();
    for (const directory of ['checks', 'notify', 'exporter']) mkdirSync(join(dist, directory));
    writeFileSync(join(dist, 'checks/tcp-check.js'), 'process.exitCode = 0;\n');
    writeFileSync(join(dist, 'checks/prober.js'), `// ${'x'.repeat(1_100_000)}\n`);
    writeFileSync(join(dist, 'checks/verdict.sh'), '#!/bin/bash\n');
    writeFileSync(join(dist, 'notify/notify.sh'), '#!/bin/bash\n');
    writeFileSync(join(dist, 'exporter/exporter.js'), '// exporter\n');
    mkdirSync(join(dist, 'packaging'));
    for (const template of Object.values(SHELL_TEMPLATES))
      copyFileSync(join('dist', template), join(dist, template));
    const result = await ipft(['package', '--dist', dist]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ipft package: ConfigMap ipfailover-toolkit-prober: expected at most 1048576 bytes of data \(1024\.0 KiB, the API server's limit for one ConfigMap\), got 1100013 bytes \(1074\.2 KiB; largest: prober\.js 1074\.2 KiB\)\n$/,
    );
    expect(existsSync(join(dist, 'deploy', PACKAGE_FILES.kustomization))).toBe(false);
    // One-shot does not ship the prober, so the same dist packages.
    expect((await ipft(['package', '--dist', dist, '--mode', 'oneshot'])).code).toBe(0);
  });

  it('refuses a bundle that is a FIFO or /dev/zero under --dist, in one line, without reading it', async () => {
    for (const [make, problem] of [
      [(path: string) => spawnSync('mkfifo', [path]), 'is a FIFO, not a regular file'],
      [(path: string) => symlinkSync('/dev/zero', path), 'is a character device, not a regular file'],
    ] as const) {
      const dist = temporaryDirectory();
      for (const directory of ['checks', 'notify', 'exporter']) mkdirSync(join(dist, directory));
      make(join(dist, 'checks/tcp-check.js'));
      const result = await ipft(['package', '--dist', dist]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `ipft package: --dist: cannot read ${join(dist, 'checks/tcp-check.js')} (${problem}); run npm run build first\n`,
      });
    }
  });
});

describe('the Deployment patch on the product doc’s example', () => {
  it.each(MODES)(
    '%s mode (%s): ipft lint finds only what the example already had: groups-exceed-vips',
    async (_mode, _sidecar, flags) => {
      const { out, result, patched } = await patchedSeed(...flags);
      const file = join(out, 'patched.yaml');
      writeFileSync(file, stringify(patched));
      const lint = await ipft(['lint', '--format', 'json', file]);
      expect(lint.stderr).toBe('');
      const findings = JSON.parse(lint.stdout).findings.map(
        ({ rule, field, message }: { rule: string; field: string; message: string }) => [
          rule,
          field,
          message,
        ],
      );
      expect(findings).toEqual([
        [
          'groups-exceed-vips',
          'spec.template.spec.containers[0].env[2].value',
          'OPENSHIFT_HA_VIP_GROUPS: is 10, more than the 4 VIPs: the image makes one instance per VIP instead',
        ],
      ]);
      expect(lint.code).toBe(1);
      // ipft package lints the same result itself, and tells old findings from new ones.
      expect(result.stdout).toContain('[groups-exceed-vips, already in the Deployment]');
      expect(result.stdout).toContain(
        'ipft lint of the patched Deployment: 1 finding, 0 of them new with the patch',
      );
    },
  );

  it('one-shot: mounts the scripts executable, sets the check and notify scripts, shares the state and runtime emptyDirs', async () => {
    const { read, patched } = await patchedSeed('--mode', 'oneshot', '--check', 'http-check');
    const spec = podSpecOf(patched);
    expect(spec.containers[0]?.name).toBe(PACKAGE_DEFAULTS.container);
    const keepalived = named(spec.containers, PACKAGE_DEFAULTS.container);
    const env = envOf(keepalived);
    expect(env).toMatchObject({
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/http-check',
      OPENSHIFT_HA_NOTIFY_SCRIPT: '/etc/ipfailover-toolkit/notify.sh',
      IPF_STATE_DIR: paths.state,
      OPENSHIFT_HA_VIRTUAL_IPS: '1.2.3.4-6,1.2.3.9',
    });
    expect(env.IPF_PROBER_PORT).toBeUndefined();
    expect(env.IPF_POD_UID).toBeUndefined();
    const scripts = read(PACKAGE_FILES.scripts);
    expect(named(spec.volumes, names.scriptsVolume).configMap).toEqual({
      name: at(scripts, 'metadata', 'name'),
      defaultMode: 0o755,
    });
    const data = scripts.data as Record<string, string>;
    for (const variable of ['OPENSHIFT_HA_CHECK_SCRIPT', 'OPENSHIFT_HA_NOTIFY_SCRIPT']) {
      const path = String(env[variable] ?? '');
      expect(path.startsWith(`${paths.scripts}/`)).toBe(true);
      expect(data[path.slice(paths.scripts.length + 1)], path).toBeDefined();
    }
    const mounts = Object.fromEntries(
      (keepalived.volumeMounts ?? []).map((mount) => [mount.mountPath, mount]),
    );
    expect(mounts[paths.scripts]).toMatchObject({ name: names.scriptsVolume, readOnly: true });
    expect(mounts[paths.runtime]).toMatchObject({ name: names.runtimeVolume, readOnly: true });
    expect(mounts[paths.state]).toMatchObject({ name: names.stateVolume });
    expect(mounts['/etc/keepalive']).toMatchObject({ name: 'config-volume' });
    expect(named(spec.volumes, names.runtimeVolume)).toEqual({ name: names.runtimeVolume, emptyDir: {} });
    expect(named(spec.volumes, names.stateVolume)).toEqual({ name: names.stateVolume, emptyDir: {} });
    expect(hasNamed(spec.volumes, names.proberVolume)).toBe(false);
    expect(hasNamed(spec.containers, names.proberContainer)).toBe(false);

    expect(spec.initContainers?.map((container) => container.name)).toEqual([names.runtimeInitContainer]);
    const init = named(spec.initContainers, names.runtimeInitContainer);
    expect(init.image).toBe(PACKAGE_DEFAULTS.nodeImage);
    expect(init.command).toEqual([
      '/bin/bash',
      '/etc/ipfailover-toolkit/install-node-runtime.sh',
      paths.runtime,
    ]);
    expect(data['install-node-runtime.sh']).toBeDefined();
    // The wrappers look where the init container copies.
    expect(data['http-check']).toContain(`readonly runtime=${paths.runtime}\n`);
  });

  it('prober: the keepalived container gets verdict.sh, notify.sh, the state, the prober port and the pod UID, and no Node.js', async () => {
    const { read, patched } = await patchedSeed('--check', 'http-check,externalip-check');
    const spec = podSpecOf(patched);
    expect(spec.containers[0]?.name).toBe(PACKAGE_DEFAULTS.container);
    const keepalived = named(spec.containers, PACKAGE_DEFAULTS.container);
    const port = derivedPorts(PACKAGE_DEFAULTS.deployment).prober;
    expect(envOf(keepalived)).toMatchObject({
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/verdict.sh http-check,externalip-check',
      OPENSHIFT_HA_NOTIFY_SCRIPT: '/etc/ipfailover-toolkit/notify.sh',
      IPF_STATE_DIR: paths.state,
      IPF_PROBER_PORT: String(port),
      IPF_POD_UID: { fieldRef: { fieldPath: 'metadata.uid' } },
    });
    // No check settings here: verdict.sh would fail every run.
    expect(
      Object.keys(envOf(keepalived)).filter((name) => /^IPF_(HTTP|TCP|EXTERNALIP)_|^IPF_CHECKS/.test(name)),
    ).toEqual([]);
    const toolkitMounts = (keepalived.volumeMounts ?? []).filter((mount) => mount.name.startsWith('ipft-'));
    expect(toolkitMounts).toEqual([
      { name: names.scriptsVolume, mountPath: paths.scripts, readOnly: true },
      { name: names.stateVolume, mountPath: paths.state },
    ]);
    // No runtime init container, no runtime volume; the scripts are bash.
    expect(hasNamed(spec.initContainers, names.runtimeInitContainer)).toBe(false);
    expect(hasNamed(spec.volumes, names.runtimeVolume)).toBe(false);
    expect(Object.keys(read(PACKAGE_FILES.scripts).data as Json).sort()).toEqual(['notify.sh', 'verdict.sh']);
    expect(named(spec.volumes, names.scriptsVolume).configMap?.defaultMode).toBe(0o755);
    // The externalip-check's read access comes with it.
    expect(read(PACKAGE_FILES.kustomization).resources).toContain(PACKAGE_FILES.externalIpRbac);
  });

  it('prober: the native sidecar, in the UBI Node.js image, with its bundle, settings, env, port, probes, resources, read-only and unprivileged', async () => {
    const { read, patched } = await patchedSeed();
    const spec = podSpecOf(patched);
    expect(hasNamed(spec.containers, names.proberContainer)).toBe(false);
    const prober = named(spec.initContainers, names.proberContainer);
    expect(prober.restartPolicy).toBe('Always');
    expect(prober.image).toBe(PACKAGE_DEFAULTS.nodeImage);
    expect(prober.command).toEqual([
      'node',
      `--max-old-space-size=${PROBER_OLD_SPACE_MIB}`,
      '/etc/ipfailover-toolkit-prober/prober.js',
    ]);
    // The heap's bound is well below the memory limit (which one exec probe shares).
    expect(PROBER_OLD_SPACE_MIB * 2 + 42).toBeLessThan(Number.parseInt(PROBER_RESOURCES.limits.memory, 10));
    expect(named(spec.volumes, names.proberVolume).configMap?.name).toBe(
      at(read(PACKAGE_FILES.prober), 'metadata', 'name'),
    );
    expect(prober.volumeMounts).toEqual([
      { name: names.proberVolume, mountPath: paths.prober, readOnly: true },
      { name: names.stateVolume, mountPath: paths.state },
    ]);
    expect(prober.envFrom).toEqual([{ configMapRef: { name: 'ipfailover-toolkit-settings' } }]);
    const port = derivedPorts(PACKAGE_DEFAULTS.deployment).prober;
    const env = envOf(prober);
    expectSeedEnvPatched(
      env,
      seedEnv().filter(({ name }) => IMAGE_VARIABLE.test(name)),
    );
    for (const name of [
      'OPENSHIFT_HA_MONITOR_PORT',
      'OPENSHIFT_HA_NETWORK_INTERFACE',
      'OPENSHIFT_HA_CHECK_INTERVAL',
      'OPENSHIFT_HA_VIRTUAL_IPS',
    ])
      expect(env[name], name).toBeDefined();
    expect(env).toMatchObject({
      IPF_STATE_DIR: paths.state,
      IPF_PROBER_PORT: String(port),
      IPF_POD_UID: { fieldRef: { fieldPath: 'metadata.uid' } },
    });
    expect(prober.ports).toEqual([{ name: names.proberPort, containerPort: port, protocol: 'TCP' }]);
    const probe = { command: ['node', '-e', proberProbeScript(port)] };
    expect(prober.startupProbe).toEqual({
      exec: probe,
      periodSeconds: 1,
      timeoutSeconds: 5,
      failureThreshold: 60,
    });
    expect(prober.livenessProbe).toEqual({
      exec: probe,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect((prober.livenessProbe?.timeoutSeconds ?? 0) * 1000).toBeGreaterThan(PROBE_REPLY_MS);
    expect(prober.readinessProbe).toBeUndefined();
    expect(prober.resources).toEqual(PROBER_RESOURCES);
    expect(prober.securityContext).toEqual({
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    // Never inside the exporter's container.
    const exporter = named(spec.containers, names.exporterContainer);
    expect(exporter.command).toEqual(['node', '/etc/ipfailover-toolkit-exporter/exporter.js']);
    expect(hasNamed(exporter.volumeMounts, names.proberVolume)).toBe(false);
  });

  it('prober with --sidecar regular: an ordinary container after keepalived, no restartPolicy, nothing in initContainers', async () => {
    const { patched } = await patchedSeed('--sidecar', 'regular');
    const spec = podSpecOf(patched);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((container) => container.name)).toEqual([
      PACKAGE_DEFAULTS.container,
      names.exporterContainer,
      names.proberContainer,
    ]);
    const prober = named(spec.containers, names.proberContainer);
    expect(prober.restartPolicy).toBeUndefined();
    expect(prober.startupProbe?.exec).toBeDefined();
    expect(prober.livenessProbe?.exec).toBeDefined();
  });

  it('adds the exporter sidecar: the deployment’s env, NODE_NAME, its port, probes, resources, read-only and unprivileged', async () => {
    const { patched } = await patchedSeed();
    const spec = podSpecOf(patched);
    const exporter = named(spec.containers, names.exporterContainer);
    expect(exporter.image).toBe(PACKAGE_DEFAULTS.nodeImage);
    expect(exporter.command).toEqual(['node', '/etc/ipfailover-toolkit-exporter/exporter.js']);
    const env = envOf(exporter);
    expectSeedEnvPatched(env, seedEnv());
    const port = derivedPorts(PACKAGE_DEFAULTS.deployment).exporter;
    expect(env.NODE_NAME).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.IPF_STATE_DIR).toBe(paths.state);
    expect(env.IPF_EXPORTER_PORT).toBe(String(port));
    expect(exporter.ports).toEqual([{ name: names.metricsPort, containerPort: port, protocol: 'TCP' }]);
    expect(exporter.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: names.metricsPort });
    expect(exporter.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: names.metricsPort });
    expect(Object.keys(exporter.resources ?? {}).sort()).toEqual(['limits', 'requests']);
    expect(exporter.securityContext).toMatchObject({
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(named(exporter.volumeMounts, names.stateVolume).mountPath).toBe(paths.state);
  });
});

/** `kubectl patch --local --type=strategic`: apimachinery's strategic merge, without a cluster. */
function kubectlPatch(object: unknown, patch: unknown): Json {
  const directory = temporaryDirectory();
  writeFileSync(join(directory, 'object.json'), JSON.stringify(object));
  writeFileSync(join(directory, 'patch.json'), JSON.stringify(patch));
  const result = spawnSync(
    'kubectl',
    [
      'patch',
      '--local',
      '-f',
      join(directory, 'object.json'),
      '--type=strategic',
      '--patch-file',
      join(directory, 'patch.json'),
      '-o',
      'json',
    ],
    { encoding: 'utf8' },
  );
  if (result.error) throw new Error(`kubectl is needed for this test: ${result.error.message}`);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Json;
}

describe('uninstall, upgrade and switching modes', () => {
  it.each(MODES)(
    '%s mode (%s): the uninstall patch gives back the Deployment as it was',
    async (_mode, _sidecar, flags) => {
      const { read, patched } = await patchedSeed(...flags);
      const original = read(PACKAGE_FILES.deployment);
      expect(patched).not.toEqual(original);
      expect(strategicMerge(patched, read(PACKAGE_FILES.uninstallPatch))).toEqual(original);
    },
  );

  it('one uninstall patch removes either mode and either sidecar kind: every mode’s uninstall patch is the same', async () => {
    const patches = await Promise.all(
      MODES.map(async ([, , flags]) =>
        (await packageFrom(seed, ...flags)).read(PACKAGE_FILES.uninstallPatch),
      ),
    );
    for (const patch of patches) expect(patch).toEqual(patches[0]);
    const text = JSON.stringify(patches[0]);
    for (const name of [
      names.proberContainer,
      names.exporterContainer,
      names.runtimeInitContainer,
      names.proberVolume,
      names.runtimeVolume,
      'IPF_POD_UID',
      'IPF_PROBER_PORT',
    ])
      expect(text).toContain(`"${name}"`);
    // By volume name: the ConfigMaps' hashes are not in it.
    expect(text).not.toMatch(/ipfailover-toolkit-(scripts|exporter|prober)-[0-9a-f]{8}/);
  });

  it.each([
    ['one-shot → prober', ['--mode', 'oneshot'], []],
    ['prober → one-shot', [], ['--mode', 'oneshot']],
    ['native → regular', [], ['--sidecar', 'regular']],
    ['regular → native', ['--sidecar', 'regular'], []],
  ])(
    '%s: the new patch on the installed Deployment (oc patch alone) makes what it makes on the original',
    async (_what, first, second) => {
      const before = await patchedSeed(...first);
      const after = await patchedSeed(...second);
      const switched = strategicMerge(before.patched, after.read(PACKAGE_FILES.patch));
      expect(normalized(switched)).toEqual(normalized(after.patched));
    },
  );

  it.each(MODES)(
    '%s mode (%s): packaging the installed Deployment (an upgrade) gives the same files',
    async (_mode, _sidecar, flags) => {
      const first = await patchedSeed(...flags);
      const file = join(temporaryDirectory(), 'installed.yaml');
      writeFileSync(file, stringify(first.patched));
      const second = await packageFrom(file, ...flags);
      expect(second.result.code).toBe(0);
      for (const name of Object.values(PACKAGE_FILES)) {
        if (name.endsWith('.sh') || name.endsWith('.json')) continue;
        expect(existsSync(join(second.out, name)), name).toBe(existsSync(join(first.out, name)));
        if (existsSync(join(first.out, name)))
          expect(documents(join(second.out, name)), name).toEqual(documents(join(first.out, name)));
      }
      expect(second.result.stdout).not.toContain('switches it to');
    },
  );

  it('the patch sets RollingUpdate, one pod at a time and no surge; the uninstall patch puts the Deployment’s own strategy back', async () => {
    const { read, patched } = await patchedSeed();
    expect(at(read(PACKAGE_FILES.patch), 'spec', 'strategy')).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    expect(at(patched, 'spec', 'strategy')).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
    expect(at(patched, 'metadata', 'annotations', 'ipfailover-toolkit/replaced-strategy')).toBe(
      '{"type":"Recreate"}',
    );
    const uninstall = read(PACKAGE_FILES.uninstallPatch);
    // rollingUpdate: null, or the Recreate would keep the install's rollingUpdate, which the API server refuses.
    expect(at(uninstall, 'spec', 'strategy')).toEqual({ type: 'Recreate', rollingUpdate: null });
    const restored = strategicMerge(patched, uninstall);
    expect(at(restored, 'spec', 'strategy')).toEqual({ type: 'Recreate' });
    // The same with apimachinery's strategic merge, the one oc patch --type=strategic runs on the server.
    expect(at(kubectlPatch(patched, uninstall), 'spec', 'strategy')).toEqual({ type: 'Recreate' });
    // Without rollingUpdate: null it would keep the install's rollingUpdate, which the API server refuses with Recreate.
    expect(
      at(kubectlPatch(patched, { spec: { strategy: { type: 'Recreate' } } }), 'spec', 'strategy'),
    ).toEqual({
      type: 'Recreate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    });
  });

  it('a Deployment that had a RollingUpdate gets it back, through an upgrade too', async () => {
    const source = parse(readFileSync(seed, 'utf8')) as { spec: Json };
    source.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%' } };
    const file = join(temporaryDirectory(), 'rolling.yaml');
    writeFileSync(file, stringify(source));
    const first = await packageFrom(file);
    const kept = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: '25%' } };
    expect(at(first.read(PACKAGE_FILES.uninstallPatch), 'spec', 'strategy')).toEqual(kept);
    const installed = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(
      installed,
      stringify(strategicMerge(first.read(PACKAGE_FILES.deployment), first.read(PACKAGE_FILES.patch))),
    );
    const upgrade = await packageFrom(installed);
    expect(at(upgrade.read(PACKAGE_FILES.uninstallPatch), 'spec', 'strategy')).toEqual(kept);
    expect(at(upgrade.read(PACKAGE_FILES.deployment), 'spec', 'strategy')).toEqual(kept);
  });

  it('without --from-deployment the uninstall patch says the strategy is not known and puts back Recreate', async () => {
    const out = temporaryDirectory();
    expect((await ipft(['package', '--out', out])).code).toBe(0);
    const text = readFileSync(join(out, PACKAGE_FILES.uninstallPatch), 'utf8');
    expect(text).toContain(
      "# No --from-deployment: the strategy deploy/ipfailover-keepalived had before the toolkit is not known; this puts back Recreate, the product docs' (edit spec.strategy to yours).\n",
    );
    expect(at(only(join(out, PACKAGE_FILES.uninstallPatch)), 'spec', 'strategy')).toEqual({
      type: 'Recreate',
      rollingUpdate: null,
    });
  });

  it('says when a package switches the installed mode', async () => {
    const first = await patchedSeed('--mode', 'oneshot');
    const file = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(file, stringify(first.patched));
    const second = await packageFrom(file);
    expect(second.result.stdout).toContain(
      'ipft package: deploy/ipfailover-keepalived runs the toolkit in one-shot mode; this package switches it to prober mode (--mode oneshot keeps it)',
    );
  });

  it('refuses an installed Deployment whose record of the replaced scripts is gone', async () => {
    const first = await patchedSeed();
    const patched = first.patched as { metadata: Json };
    delete patched.metadata.annotations;
    const file = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(file, stringify(patched));
    const result = await ipft(['package', '--from-deployment', file, '--out', temporaryDirectory()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'metadata.annotations["ipfailover-toolkit/replaced-env"]: expected the JSON object of script paths an earlier ipft package wrote, got nothing',
    );
  });
});

describe('check settings on the keepalived container', () => {
  /** The seed with http-check settings on the keepalived container, as a one-shot install has them. */
  function seedWithSettings(valueFrom = false): string {
    const deployment = only(seed);
    const keepalived = named(podSpecOf(deployment).containers, PACKAGE_DEFAULTS.container);
    keepalived.env?.push(
      { name: 'IPF_HTTP_URL', value: "http://127.0.0.1:8080/it's" },
      valueFrom
        ? { name: 'IPF_HTTP_HEADERS', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }
        : { name: 'IPF_CHECK_FALL', value: '3' },
    );
    const file = join(temporaryDirectory(), 'with-settings.yaml');
    writeFileSync(file, stringify(deployment));
    return file;
  }

  it('prober mode moves them to the settings ConfigMap: the patch takes them off, prints the commands, the uninstall puts them back', async () => {
    const file = seedWithSettings();
    const { out, result, read } = await packageFrom(file, '--check', 'http-check');
    expect(result.code).toBe(0);
    const original = read(PACKAGE_FILES.deployment);
    const patched = strategicMerge(original, read(PACKAGE_FILES.patch));
    const env = envOf(named(podSpecOf(patched).containers, PACKAGE_DEFAULTS.container));
    expect(env.IPF_HTTP_URL).toBeUndefined();
    // Hysteresis is verdict.sh's: it stays.
    expect(env.IPF_CHECK_FALL).toBe('3');
    expect(result.stdout).toContain(
      `ipft package: IPF_HTTP_URL on container openshift-ipfailover moves to ConfigMap ipfailover-toolkit-settings, where the prober reads it; the patch takes it off the container (uninstall-patch.yaml puts it back). Before the apply, run:\n  oc apply --server-side -f ${join(out, PACKAGE_FILES.settings)} && oc set data cm/ipfailover-toolkit-settings 'IPF_HTTP_URL=http://127.0.0.1:8080/it'\\''s'\n`,
    );
    expect(
      JSON.parse(
        String(at(read(PACKAGE_FILES.patch), 'metadata', 'annotations', 'ipfailover-toolkit/replaced-env')),
      ),
    ).toMatchObject({
      IPF_HTTP_URL: "http://127.0.0.1:8080/it's",
    });
    // The settings ConfigMap stays IPF_CHECKS only: the moved values are the administrator's to set.
    expect(read(PACKAGE_FILES.settings).data).toEqual({ IPF_CHECKS: 'http-check' });
    expect(normalized(strategicMerge(patched, read(PACKAGE_FILES.uninstallPatch)))).toEqual(
      normalized(original),
    );

    // Upgrading the installed Deployment keeps the record; one-shot again puts them back on the container.
    const installed = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(installed, stringify(patched));
    const again = await packageFrom(installed, '--check', 'http-check');
    expect(again.read(PACKAGE_FILES.patch)).toEqual(read(PACKAGE_FILES.patch));
    expect(again.result.stdout).toContain('IPF_HTTP_URL: kept in ConfigMap ipfailover-toolkit-settings');
    const oneshot = await packageFrom(installed, '--mode', 'oneshot', '--check', 'http-check');
    const back = strategicMerge(oneshot.read(PACKAGE_FILES.deployment), oneshot.read(PACKAGE_FILES.patch));
    expect(envOf(named(podSpecOf(back).containers, PACKAGE_DEFAULTS.container)).IPF_HTTP_URL).toBe(
      "http://127.0.0.1:8080/it's",
    );
    expect(oneshot.result.stdout).toContain('IPF_HTTP_URL comes back on container openshift-ipfailover');
  });

  it('refuses to move one that comes from valueFrom', async () => {
    const { result } = await packageFrom(seedWithSettings(true), '--check', 'http-check');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^ipft package: IPF_HTTP_HEADERS on container openshift-ipfailover: expected literal values, got valueFrom;/,
    );
  });

  it('one-shot mode leaves them where the one-shot checks read them', async () => {
    const { read } = await packageFrom(seedWithSettings(), '--mode', 'oneshot', '--check', 'http-check');
    const patched = strategicMerge(read(PACKAGE_FILES.deployment), read(PACKAGE_FILES.patch));
    expect(envOf(named(podSpecOf(patched).containers, PACKAGE_DEFAULTS.container)).IPF_HTTP_URL).toBe(
      "http://127.0.0.1:8080/it's",
    );
  });
});

describe('the prober’s exec probe (node -e) against real servers', () => {
  /** A free port outside the reserved ranges, for this test's servers. */
  async function freePort(): Promise<number> {
    for (;;) {
      const port = 20000 + Math.floor(Math.random() * 9000);
      const free = await new Promise<boolean>((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      });
      if (free) return port;
    }
  }

  async function runProbe(port: number): Promise<{ code: number | null; ms: number }> {
    const { read } = await packageFrom(seed, '--prober-port', String(port));
    const command =
      named(podSpecOf(read(PACKAGE_FILES.patch)).initContainers, names.proberContainer).livenessProbe?.exec
        ?.command ?? [];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const started = Date.now();
    const child = spawn(bundleNode, command.slice(1), { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, ms: Date.now() - started };
  }

  it('passes on a real prober (its identity refusal is the answer), fails with none, with a hung one and with a stranger', async () => {
    const port = await freePort();
    const state = temporaryDirectory();
    const prober = spawn(bundleNode, ['dist/checks/prober.js'], {
      env: {
        PATH: process.env.PATH,
        IPF_CHECKS: 'tcp-check',
        IPF_TCP_TARGETS: '127.0.0.1:1',
        IPF_POD_UID: randomUUID(),
        IPF_STATE_DIR: state,
        IPF_PROBER_PORT: String(port),
        IPF_PROBER_DRAIN_S: '0',
        IPF_LOG_TO: 'none',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    onCleanup(() => prober.kill('SIGKILL'));
    let stderr = '';
    prober.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    await waitFor('the prober listening', () => (stderr.includes('listening') ? true : undefined));
    expect((await runProbe(port)).code).toBe(0);
    // Refused without probing anything: no probe ran, one identity refusal counted.
    await waitFor(
      'the heartbeat',
      () => {
        const record = JSON.parse(readFileSync(join(state, 'prober.json'), 'utf8'));
        return record.refused.identity >= 1 ? record : undefined;
      },
      5000,
    ).then((record) => expect(record.probes).toEqual({}));
    prober.kill('SIGKILL');
    await new Promise((resolve) => prober.once('exit', resolve));
    expect((await runProbe(port)).code).toBe(1);

    // A hung process: the kernel completes the handshake (a tcpSocket probe passes), nothing answers.
    const held = new Set<Socket>();
    const hung = createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => hung.listen(port, '127.0.0.1', resolve));
    onCleanup(() => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => hung.close(resolve));
    });
    const hungRun = await runProbe(port);
    expect(hungRun.code).toBe(1);
    expect(hungRun.ms).toBeGreaterThanOrEqual(PROBE_REPLY_MS);
    expect(hungRun.ms).toBeLessThan(5000);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));

    // Something else on the port, answering something else.
    const stranger = createServer((socket) => {
      held.add(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => stranger.listen(port, '127.0.0.1', resolve));
    onCleanup(() => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => stranger.close(resolve));
    });
    expect((await runProbe(port)).code).toBe(1);
  }, 30_000);
});

describe('ports', () => {
  it('derives each deployment’s ports from its name: deterministic, in the documented ranges, clear of the reserved ports', () => {
    const taken = new Map<number, string>();
    for (let index = 0; index < 200; index++) {
      const name = `ipfailover-${index}`;
      const ports = derivedPorts(name);
      expect(derivedPorts(name)).toEqual(ports);
      expect(ports.exporter - EXPORTER_PORT_BASE).toBe(ports.prober - PROBER_PORT_BASE);
      expect(ports.exporter).toBeGreaterThanOrEqual(9871);
      expect(ports.exporter).toBeLessThanOrEqual(9899);
      expect(ports.prober).toBeGreaterThanOrEqual(9900);
      expect(ports.prober).toBeLessThanOrEqual(9928);
      for (const port of [ports.exporter, ports.prober]) {
        expect(
          RESERVED_PORTS.some(([from, to]) => port >= from && port <= to),
          String(port),
        ).toBe(false);
      }
      taken.set(ports.exporter, name);
    }
    // 200 names use every one of the 29 slots.
    expect(taken.size).toBe(PORT_SLOTS);
  });

  it('two deployments get different ports, set in both env and containerPorts', async () => {
    const ports = new Map<string, { exporter: string; prober: string }>();
    for (const deployment of ['ipfailover-keepalived', 'ipfailover-web']) {
      const out = temporaryDirectory();
      expect((await ipft(['package', '--out', out, '--deployment', deployment])).code).toBe(0);
      const spec = podSpecOf(only(join(out, PACKAGE_FILES.patch)));
      const exporter = named(spec.containers, names.exporterContainer);
      const prober = named(spec.initContainers, names.proberContainer);
      const keepalived = named(spec.containers, PACKAGE_DEFAULTS.container);
      const derived = derivedPorts(deployment);
      expect(envOf(exporter).IPF_EXPORTER_PORT).toBe(String(derived.exporter));
      expect(exporter.ports?.[0]?.containerPort).toBe(derived.exporter);
      expect(envOf(prober).IPF_PROBER_PORT).toBe(String(derived.prober));
      expect(envOf(keepalived).IPF_PROBER_PORT).toBe(String(derived.prober));
      expect(prober.ports?.[0]?.containerPort).toBe(derived.prober);
      ports.set(deployment, { exporter: String(derived.exporter), prober: String(derived.prober) });
    }
    expect(ports.get('ipfailover-keepalived')).not.toEqual(ports.get('ipfailover-web'));
  });

  it('--exporter-port and --prober-port override them', async () => {
    const { read, result } = await packageFrom(seed, '--exporter-port', '9800', '--prober-port', '9801');
    expect(result.stdout).toContain('ports: exporter 9800, prober 9801 (as given)');
    const spec = podSpecOf(read(PACKAGE_FILES.patch));
    expect(envOf(named(spec.containers, names.exporterContainer)).IPF_EXPORTER_PORT).toBe('9800');
    expect(named(spec.initContainers, names.proberContainer).ports?.[0]?.containerPort).toBe(9801);
    expect(proberProbeScript(9801)).toContain("connect(9801,'127.0.0.1')");
    expect(JSON.stringify(named(spec.initContainers, names.proberContainer).livenessProbe)).toContain(
      'connect(9801,',
    );
  });
});

describe('ports on an upgrade', () => {
  async function installed(...flags: string[]) {
    const { patched } = await patchedSeed(...flags);
    const file = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(file, stringify(patched));
    return { file, patched };
  }

  it('keeps the ports an installed Deployment was given', async () => {
    const { file } = await installed('--exporter-port', '9800', '--prober-port', '9801');
    const { read, result } = await packageFrom(file);
    expect(result.stdout).toContain('ports: exporter 9800, prober 9801 (as installed)');
    const spec = podSpecOf(read(PACKAGE_FILES.patch));
    expect(envOf(named(spec.containers, names.exporterContainer)).IPF_EXPORTER_PORT).toBe('9800');
    expect(envOf(named(spec.initContainers, names.proberContainer)).IPF_PROBER_PORT).toBe('9801');
  });

  it('derives them afresh where an earlier version installed the fixed 9871 and 9872, which collide', async () => {
    const { patched } = await installed();
    const spec = podSpecOf(patched);
    for (const [container, variable, port] of [
      [named(spec.containers, names.exporterContainer), 'IPF_EXPORTER_PORT', '9871'],
      [named(spec.initContainers, names.proberContainer), 'IPF_PROBER_PORT', '9872'],
    ] as const) {
      const entry = named(container.env, variable);
      entry.value = port;
    }
    const file = join(temporaryDirectory(), 'old.yaml');
    writeFileSync(file, stringify(patched));
    const { result } = await packageFrom(file);
    const derived = derivedPorts(PACKAGE_DEFAULTS.deployment);
    expect(result.stdout).toContain(
      `ports: exporter ${derived.exporter}, prober ${derived.prober} (derived from the name "${PACKAGE_DEFAULTS.deployment}")`,
    );
  });
});

describe('the same Deployment whichever way it is installed', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });

  it.each(MODES)(
    '%s mode (%s): kustomize (kubectl kustomize) makes what strategic-merge.ts makes',
    async (_mode, _sidecar, flags) => {
      if (kubectl.error) throw new Error(`kubectl is needed for kustomize: ${kubectl.error.message}`);
      const { out, patched } = await patchedSeed(...flags);
      const built = spawnSync('kubectl', ['kustomize', out], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(built.status, built.stderr).toBe(0);
      const deployment = parseAllDocuments(built.stdout)
        .map((document) => document.toJS() as Json)
        .find((object) => object.kind === 'Deployment');
      expect(normalized(deployment)).toEqual(normalized(patched));
      // The ConfigMaps it applies are the ones the Deployment names.
      const configMaps = parseAllDocuments(built.stdout)
        .map((document) => document.toJS() as Json)
        .filter((object) => object.kind === 'ConfigMap')
        .map((object) => at(object, 'metadata', 'name'));
      for (const volume of podSpecOf(patched).volumes ?? []) {
        if (volume.configMap && volume.name.startsWith('ipft-'))
          expect(configMaps).toContain(volume.configMap.name);
      }
      for (const container of podSpecOf(patched).initContainers ?? []) {
        for (const from of container.envFrom ?? []) expect(configMaps).toContain(from.configMapRef?.name);
      }
    },
  );

  /**
   * install-with-oc.sh, run against the seed as oc would change it: `oc set volume --add`, `oc set env`,
   * `oc patch --type=strategic`, and the env copied from the keepalived container with `--list`.
   */
  function runOcCommands(script: string, deployment: Json): Json {
    let object = deployment;
    const lines = script.split('\n');
    const container = /^D=\S+ C=(\S+)$/m.exec(script)?.[1] ?? '';
    const containerPatch = (patch: Json, volumes?: unknown[]) =>
      (object = strategicMerge(object, {
        spec: {
          template: {
            spec: { containers: [{ name: container, ...patch }], ...(volumes ? { volumes } : {}) },
          },
        },
      }) as Json);
    const words = (text: string) =>
      [...text.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((match) =>
        match[1] !== undefined ? match[1].replaceAll("'\\''", "'") : (match[2] ?? ''),
      );
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? '';
      // The pre-flight only reads (test/install-preflight.test.ts runs it against a stand-in oc).
      if (line === PREFLIGHT_MARKS.begin) {
        index = lines.indexOf(PREFLIGHT_MARKS.end, index);
        continue;
      }
      const volume =
        /^oc set volume "\$D" -c "\$C" --add --overwrite --name=(\S+) (?:--source='(.*)'|--type=emptyDir) --mount-path=(\S+)( --read-only)?$/.exec(
          line,
        );
      const copy =
        /^oc set env "\$D" -c "\$C" --list \| grep -E '\^(.*)=' \| oc set env "\$D" -c (\S+) -e -$/.exec(
          line,
        );
      if (volume) {
        const [, name = '', source, mountPath = '', readOnly] = volume;
        containerPatch({ volumeMounts: [{ name, mountPath, ...(readOnly ? { readOnly: true } : {}) }] }, [
          { name, ...(source ? JSON.parse(source) : { emptyDir: {} }) },
        ]);
      } else if (copy) {
        const [, pattern = '', target = ''] = copy;
        const listed = (named(podSpecOf(object).containers, container).env ?? []).filter(
          (entry) => entry.value !== undefined && new RegExp(`^${pattern}$`).test(entry.name),
        );
        const spec = podSpecOf(object);
        const list = hasNamed(spec.containers, target) ? 'containers' : 'initContainers';
        object = strategicMerge(object, {
          spec: {
            template: {
              spec: { [list]: [{ name: target, env: listed.map(({ name, value }) => ({ name, value })) }] },
            },
          },
        }) as Json;
      } else if (line.startsWith('oc set env "$D" -c "$C" ')) {
        const env = words(line.slice('oc set env "$D" -c "$C" '.length)).map((word) => {
          const at = word.indexOf('=');
          return { name: word.slice(0, at), value: word.slice(at + 1) };
        });
        containerPatch({ env });
      } else if (line.startsWith('oc patch "$D" --type=strategic --patch-file=/dev/stdin')) {
        const end = lines.indexOf('EOF', index);
        object = strategicMerge(object, parse(lines.slice(index + 1, end).join('\n'))) as Json;
        index = end;
      } else if (!/^(#|set -eu$|D=|oc apply --server-side |oc rollout (pause|resume) |$)/.test(line)) {
        throw new Error(`install-with-oc.sh: a line this test does not know: ${line}`);
      }
    }
    return object;
  }

  it.each(MODES)(
    '%s mode (%s): the oc commands make what the kustomization makes, on a fresh Deployment and on one installed the other way',
    async (mode, _sidecar, flags) => {
      const { out, patched, read } = await patchedSeed(...flags);
      const script = readFileSync(join(out, PACKAGE_FILES.ocCommands), 'utf8');
      const original = read(PACKAGE_FILES.deployment);
      expect(normalized(runOcCommands(script, original))).toEqual(normalized(patched));
      // Run again (an upgrade, or a switch): the same result.
      const other = await patchedSeed(...(mode === 'prober' ? ['--mode', 'oneshot'] : []));
      expect(normalized(runOcCommands(script, other.patched))).toEqual(normalized(patched));
      const lint = spawnSync('shellcheck', ['-S', 'style', join(out, PACKAGE_FILES.ocCommands)], {
        encoding: 'utf8',
      });
      if (lint.error) throw new Error(`shellcheck is needed for this test: ${lint.error.message}`);
      expect(lint.stdout).toBe('');
      expect(lint.status).toBe(0);
    },
  );
});

describe('the kustomization', () => {
  it.each(MODES)(
    '%s mode (%s): lists the Deployment and the toolkit objects, and patches the Deployment by name',
    async (mode, _sidecar, flags) => {
      const { out, read } = await packageFrom(seed, ...flags);
      const kustomization = read(PACKAGE_FILES.kustomization);
      expect(kustomization.resources).toEqual([
        PACKAGE_FILES.deployment,
        PACKAGE_FILES.scripts,
        PACKAGE_FILES.exporter,
        ...(mode === 'prober' ? [PACKAGE_FILES.prober, PACKAGE_FILES.settings] : []),
        PACKAGE_FILES.podMonitor,
        PACKAGE_FILES.prometheusRule,
      ]);
      for (const resource of kustomization.resources as string[])
        expect(existsSync(join(out, resource))).toBe(true);
      expect(kustomization.patches).toEqual([
        {
          path: PACKAGE_FILES.patch,
          target: { group: 'apps', version: 'v1', kind: 'Deployment', name: PACKAGE_DEFAULTS.deployment },
        },
      ]);
      expect(read(PACKAGE_FILES.deployment).metadata).toMatchObject({ name: PACKAGE_DEFAULTS.deployment });
    },
  );

  it('grants the externalip-check’s read access only to a deployment that runs it', async () => {
    const { read } = await packageFrom(seed, '--check', 'externalip-check');
    expect(read(PACKAGE_FILES.kustomization).resources).toContain(PACKAGE_FILES.externalIpRbac);
    expect((await packageFrom(seed)).read(PACKAGE_FILES.kustomization).resources).not.toContain(
      PACKAGE_FILES.externalIpRbac,
    );
    const binding = documents(join((await packageFrom(seed)).out, PACKAGE_FILES.externalIpRbac)).find(
      (object) => object.kind === 'ClusterRoleBinding',
    );
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' },
    ]);
  });

  it('--maintenance: IPF_MAINTENANCE_LABEL=true, get on nodes in the kustomization and the oc commands; NODE_NAME always', async () => {
    const plain = await packageFrom(seed);
    expect(plain.read(PACKAGE_FILES.kustomization).resources).not.toContain(PACKAGE_FILES.maintenanceRbac);
    expect(plain.read(PACKAGE_FILES.settings).data).toEqual({ IPF_CHECKS: 'tcp-check' });
    const { read, out, result } = await packageFrom(seed, '--maintenance');
    expect(result.code).toBe(0);
    expect(read(PACKAGE_FILES.kustomization).resources).toContain(PACKAGE_FILES.maintenanceRbac);
    expect(read(PACKAGE_FILES.settings).data).toEqual({
      IPF_CHECKS: 'tcp-check',
      IPF_MAINTENANCE_LABEL: 'true',
    });
    const rbac = documents(join(out, PACKAGE_FILES.maintenanceRbac));
    expect(rbac.find((object) => object.kind === 'ClusterRole')?.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ]);
    expect(rbac.find((object) => object.kind === 'ClusterRoleBinding')?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' },
    ]);
    expect(readFileSync(join(out, PACKAGE_FILES.ocCommands), 'utf8')).toContain(
      `-f ${PACKAGE_FILES.maintenanceRbac}\n`,
    );
    for (const packaged of [plain, { read }]) {
      const prober = named(
        podSpecOf(packaged.read(PACKAGE_FILES.patch)).initContainers,
        names.proberContainer,
      );
      expect(prober.env).toContainEqual({
        name: 'NODE_NAME',
        valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
      });
    }
    const oneshot = await ipft([
      'package',
      '--mode',
      'oneshot',
      '--maintenance',
      '--out',
      temporaryDirectory(),
    ]);
    expect(oneshot.code).toBe(2);
    expect(oneshot.stderr).toContain('--maintenance: only with --mode prober');
  });
});

describe('monitoring', () => {
  it('the PodMonitor selects the label and port the patch adds, names the node, and sets the alert rules’ job', async () => {
    const { read } = await packageFrom(seed);
    const patch = read(PACKAGE_FILES.patch);
    const monitor = read(PACKAGE_FILES.podMonitor);
    expect(at(monitor, 'spec', 'selector', 'matchLabels')).toEqual(
      at(patch, 'spec', 'template', 'metadata', 'labels'),
    );
    const [endpoint] = at(monitor, 'spec', 'podMetricsEndpoints') as { port: string; relabelings: unknown }[];
    const exporter = named(podSpecOf(patch).containers, names.exporterContainer);
    expect(endpoint?.port).toBe(exporter.ports?.[0]?.name);
    expect(endpoint?.relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' },
      { targetLabel: 'job', replacement: JOB_NAME, action: 'replace' },
    ]);
    expect(JOB_NAME).toBe('ipfailover-toolkit');
    expect(read(PACKAGE_FILES.prometheusRule)).toEqual(
      parse(readFileSync('deploy/prometheus-rules.yaml', 'utf8')),
    );
  });

  it('the dashboard is the generator’s, and promtool parses every query', () => {
    const dashboard = grafanaDashboard();
    expect(JSON.parse(readFileSync(join('dist/deploy', PACKAGE_FILES.dashboard), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(dashboard)),
    );
    expect(dashboard.panels.map((panel) => panel.title)).toEqual([
      'Which node holds each VIP',
      'VRRP transitions per hour',
      'Active alerts',
      'Check success per node',
      'Check duration',
      'VIP reachability, from each other node',
      'Client-visible outage per failover',
    ]);
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(expressions.join('\n')).toContain('ipfailover_vip_present');
    // Grafana fills in $namespace; promtool checks the PromQL with it as Grafana's "All" (.*).
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: expressions.map((expr, index) => ({
            record: `dashboard:panel_${index}`,
            expr: expr.replaceAll('$namespace', '.*'),
          })),
        },
      ],
    };
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'rules.yaml'), stringify(rules));
    const result = spawnSync('promtool', ['check', 'rules', 'rules.yaml'], {
      cwd: directory,
      encoding: 'utf8',
    });
    if (result.error)
      throw new Error(`promtool is needed (apt-get install prometheus): ${result.error.message}`);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});

describe('the removal Job', () => {
  it('runs the image’s script with the deployment’s env, hostNetwork and privileged, one pod per node', async () => {
    const { read } = await packageFrom(seed);
    const job = read(PACKAGE_FILES.removalJob);
    const deployment = only(seed);
    const pod = at(job, 'spec', 'template') as IPodTemplateSpec;
    const spec = pod.spec as IPodSpec;
    expect(at(job, 'spec', 'completions')).toBe(2);
    expect(at(job, 'spec', 'parallelism')).toBe(2);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.serviceAccountName).toBe('ipfailover');
    expect(spec.nodeSelector).toEqual(podSpecOf(deployment).nodeSelector);
    expect(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { labelSelector: { matchLabels: pod.metadata?.labels }, topologyKey: 'kubernetes.io/hostname' },
    ]);
    const container = named(spec.containers, 'remove-ipfailover');
    expect(container.securityContext).toEqual({ privileged: true });
    expect(container.image).toBe(named(podSpecOf(deployment).containers, PACKAGE_DEFAULTS.container).image);
    expect(container.env).toEqual([
      ...seedEnv(),
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(container.command).toEqual(
      removalCommand(
        readBundles('dist').shellTemplates,
        IMAGE_REMOVAL_SCRIPT,
        expandVirtualIps('1.2.3.4-6,1.2.3.9'),
      ),
    );
    expect(container.command?.slice(-4)).toEqual(['1.2.3.4', '1.2.3.5', '1.2.3.6', '1.2.3.9']);
  });
});

describe('the README', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Install on OpenShift'));

  it('installs in at most 5 commands', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section.slice(section.indexOf('### Five commands')))?.[1] ?? '';
    const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThanOrEqual(5);
    expect(block).toContain('--from-deployment');
  });

  it('shows the patch as oc commands as ipft package writes them (install-with-oc.sh), the hashes left out', () => {
    const block = /<!-- oc-commands:begin[^>]*-->\n```sh\n([\s\S]*?)```\n<!-- oc-commands:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBe(
      ocCommands(readBundles('dist').shellTemplates, readmeOcOptions(), README_CONFIGMAP_NAMES),
    );
    const names = Object.fromEntries(
      [PACKAGE_FILES.scripts, PACKAGE_FILES.exporter, PACKAGE_FILES.prober].map((file) => [
        file,
        String(at(only(join('dist/deploy', file)), 'metadata', 'name')),
      ]),
    );
    expect(readFileSync(join('dist/deploy', PACKAGE_FILES.ocCommands), 'utf8')).toContain(
      ocCommands(readBundles('dist').shellTemplates, readmeOcOptions(), {
        scripts: names[PACKAGE_FILES.scripts] ?? '',
        exporter: names[PACKAGE_FILES.exporter] ?? '',
        prober: names[PACKAGE_FILES.prober],
      }),
    );
  });

  it('states the Node.js image and its tag, both modes and the sidecar flag', () => {
    expect(section).toContain(PACKAGE_DEFAULTS.nodeImage);
    for (const text of ['--mode oneshot', '--sidecar regular', 'ipfailover-toolkit-settings'])
      expect(section).toContain(text);
  });
});

describe('ipft package: bad input', () => {
  it.each([
    [
      ['--check', 'nope'],
      2,
      /^ipft package: --check: expected one or a comma list of tcp-check, http-check, externalip-check \(what the prober serves\), each once, got "nope"\n$/,
    ],
    [
      ['--check', 'tcp-check,tcp-check'],
      2,
      /^ipft package: --check: expected one or a comma list of .*, each once, got "tcp-check,tcp-check"\n$/,
    ],
    [
      ['--mode', 'oneshot', '--check', 'nope'],
      2,
      /^ipft package: --check: expected one of (\S+, )*http-check, tcp-check \(the bundles in dist\/checks\), got "nope"\n$/,
    ],
    [['--mode', 'oneshot', '--check', 'tcp-check,http-check'], 2, /^ipft package: --check: expected one of /],
    [['--mode', 'resident'], 2, /^ipft package: --mode: expected one of prober, oneshot, got "resident"\n$/],
    [
      ['--sidecar', 'sometimes'],
      2,
      /^ipft package: --sidecar: expected one of native, regular, got "sometimes"\n$/,
    ],
    [
      ['--mode', 'oneshot', '--sidecar', 'regular'],
      2,
      /^ipft package: --sidecar: only with --mode prober, got --mode oneshot\n$/,
    ],
    [
      ['--mode', 'oneshot', '--prober-port', '9900'],
      2,
      /^ipft package: --prober-port: only with --mode prober/,
    ],
    [
      ['--exporter-port', '9100'],
      2,
      /^ipft package: --exporter-port: 9100 is in 9100-9107, used by OpenShift node components; expected a port such as the derived 9888/,
    ],
    [
      ['--prober-port', '31000'],
      2,
      /^ipft package: --prober-port: 31000 is in 30000-32767, the NodePort range;/,
    ],
    [['--prober-port', '80'], 2, /^ipft package: --prober-port: 80 is in 0-1023, a privileged port/],
    [['--prober-port', 'x'], 2, /^ipft package: --prober-port: expected a port from 1 to 65535, got "x"\n$/],
    [
      ['--exporter-port', '9800', '--prober-port', '9800'],
      2,
      /^ipft package: --prober-port: expected a port other than the exporter's 9800, got it\n$/,
    ],
    [
      ['--from-deployment', 'test/fixtures/lint/network.yaml'],
      2,
      /--from-deployment: expected exactly one Deployment, got 0\n$/,
    ],
    [
      ['--from-deployment', seed, '--deployment', 'other'],
      2,
      /^ipft package: --deployment: expected "ipfailover-keepalived" \(as in --from-deployment\) or nothing, got "other"\n$/,
    ],
    [
      ['--container', 'Bad_Name'],
      2,
      /^ipft package: --container: expected a container name \(DNS-1123 label\), got "Bad_Name"\n$/,
    ],
    [
      ['--dist', '/nonexistent-ipft-dist'],
      2,
      /^ipft package: --dist: cannot list \/nonexistent-ipft-dist\/checks .*; run npm run build first\n$/,
    ],
  ])('%j exits %i', async (argv, code, message) => {
    const result = await ipft(['package', '--out', temporaryDirectory(), ...argv]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(code);
  });
});
