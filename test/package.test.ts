import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
import { type Container, SETTING_READERS, settingContainers } from '../core/setting-names.ts';
import { RESERVED_PORTS } from '../core/toolkit-ports.ts';
import { grafanaDashboard } from '../exporter/dashboard.ts';
import { readBundles } from '../packaging/command.ts';
import {
  assertConfigMapFits,
  CONFIGMAP_MAX_BYTES,
  configMapDataBytes,
  hashedName,
  PackageError,
} from '../packaging/configmaps.ts';
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
  SETTINGS_CONFIGMAP,
} from '../packaging/layout.ts';
import { JOB_NAME } from '../packaging/monitoring.ts';
import { PACKAGE_FILES } from '../packaging/package.ts';
import { IMAGE_REMOVAL_SCRIPT, removalCommand } from '../packaging/removal-job.ts';
import { packagerSetting, parseSettingsFile } from '../packaging/settings-file.ts';
import { SHELL_TEMPLATES } from '../packaging/shell-templates.ts';
import { ipft } from './support/cli.ts';
import { waitFor } from './support/exporter.ts';
import { onCleanup, temporaryDirectory } from './support/harness.ts';
import { bundleNode } from './support/node.ts';

const seed = 'deploy/example-deployment.yaml';
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

/** Every object `kubectl kustomize DIR` makes of a package folder: what `oc apply -k` applies. */
function kustomize(out: string): Json[] {
  const result = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`kubectl is needed for this test: ${result.error.message}`);
  expect(result.status, result.stderr).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as unknown)
    .filter(isRecord);
}

/** The seed Deployment packaged by `ipft package` with these flags, and built by kustomize. */
async function patchedSeed(...extra: string[]) {
  const packaged = await packageFrom(seed, ...extra);
  expect(packaged.result.stderr).toBe('');
  const built = kustomize(packaged.out);
  const patched = built.find((object) => object.kind === 'Deployment');
  if (!patched) throw new Error('kustomize made no Deployment');
  return { ...packaged, built, patched };
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
        if ([PACKAGE_FILES.kustomization, PACKAGE_FILES.patch].includes(file as never)) continue;
        for (const object of documents(join(out, file))) {
          const validator = validators[String(object.kind)];
          expect(validator, `${file}: ${String(object.kind)}`).toBeDefined();
          expect(() => validator?.(object as never).validate(), file).not.toThrow();
          kinds.push(String(object.kind));
        }
      }
      expect(kinds.sort()).toEqual(
        [
          // No RBAC: the default check reads no API, and the seed's settings.env reads no Node.
          ...Array(mode === 'prober' ? 3 : 2).fill('ConfigMap'),
          'Deployment',
          'Job',
          'PodMonitor',
          'PrometheusRule',
        ].sort(),
      );
    },
  );

  it.each(MODES)(
    '%s mode (%s): the patch (without its delete directives) is a valid pod template; kustomize builds a valid Deployment and ConfigMaps',
    async (_mode, _sidecar, flags) => {
      const { read, patched, built } = await patchedSeed(...flags);
      const template = withoutDirectives(at(read(PACKAGE_FILES.patch), 'spec', 'template'));
      expect(() => new PodTemplateSpec(template as never).validate()).not.toThrow();
      expect(() => new Deployment(patched as never).validate()).not.toThrow();
      expect(JSON.stringify(patched)).not.toContain('$patch');
      for (const object of built) {
        const validator = validators[String(object.kind)];
        expect(() => validator?.(object as never).validate(), String(object.kind)).not.toThrow();
      }
    },
  );

  it('npm run build wrote dist/deploy, the package of the example Deployment', async () => {
    const out = temporaryDirectory();
    expect((await ipft(['package', '--from-deployment', seed, '--out', out])).code).toBe(0);
    for (const name of Object.values(PACKAGE_FILES)) {
      const built = join('dist/deploy', name);
      expect(existsSync(built), built).toBe(existsSync(join(out, name)));
      if (existsSync(built))
        expect(readFileSync(built, 'utf8'), name).toBe(readFileSync(join(out, name), 'utf8'));
    }
    // The default is prober mode.
    expect(existsSync(join(out, PACKAGE_FILES.prober))).toBe(true);
  });

  it('npm run build prints nothing but the ConfigMaps’ sizes (and its errors, of which it had none)', () => {
    const { stdout, stderr } = inject('buildOutput');
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^ipft package: ConfigMaps scripts \d+\.\d KiB, exporter \d+\.\d KiB, prober \d+\.\d KiB \(limit 1024\.0 KiB each\)\n$/,
    );
  });

  it('without a Deployment and without an earlier folder it says what it needs, and writes nothing', async () => {
    const out = join(temporaryDirectory(), 'package');
    const result = await ipft(['package', '--out', out]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `ipft package: --from-deployment: expected the ipfailover Deployment as oc get deploy/NAME -o yaml prints it, or --out DIR of an earlier ipft package (with its ${PACKAGE_FILES.deployment}), got neither\n`,
    });
    expect(existsSync(out)).toBe(false);
  });

  it('a run in another mode or with another check leaves none of the first run’s files behind but the administrator’s', async () => {
    const { out } = await packageFrom(seed, '--check', 'externalip-check');
    expect(existsSync(join(out, PACKAGE_FILES.externalIpRbac))).toBe(true);
    const again = await ipft(['package', '--out', out, '--mode', 'oneshot']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, PACKAGE_FILES.prober))).toBe(false);
    expect(existsSync(join(out, PACKAGE_FILES.externalIpRbac))).toBe(false);
    expect(existsSync(join(out, PACKAGE_FILES.settings))).toBe(true);
    expect(existsSync(join(out, PACKAGE_FILES.deployment))).toBe(true);
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

  it('prober: verdict.sh and notify.sh only (bash, no Node.js), the prober bundle apart, IPF_CHECKS on the prober', async () => {
    const bundles = readBundles('dist');
    const { read, patched } = await patchedSeed('--check', 'http-check,tcp-check');
    const scripts = read(PACKAGE_FILES.scripts).data as Record<string, string>;
    expect(scripts).toEqual({ 'verdict.sh': bundles.verdict, 'notify.sh': bundles.notify });
    for (const script of Object.values(scripts)) expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(read(PACKAGE_FILES.prober).data).toEqual({ 'prober.js': bundles.prober });
    expect(read(PACKAGE_FILES.exporter).data).toEqual({ 'exporter.js': bundles.exporter });
    expect(envOf(named(podSpecOf(patched).initContainers, names.proberContainer)).IPF_CHECKS).toBe(
      'http-check,tcp-check',
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

  it('ipft package prints the ConfigMaps’ sizes', async () => {
    const { result } = await packageFrom(seed);
    expect(result.stdout).toMatch(
      /ConfigMaps scripts [\d.]+ KiB, exporter [\d.]+ KiB, prober [\d.]+ KiB \(limit 1024\.0 KiB each\)/,
    );
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
    const result = await ipft([
      'package',
      '--dist',
      dist,
      '--from-deployment',
      seed,
      '--out',
      join(dist, 'deploy'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ipft package: ConfigMap ipfailover-toolkit-prober: expected at most 1048576 bytes of data \(1024\.0 KiB, the API server's limit for one ConfigMap\), got 1100013 bytes \(1074\.2 KiB; largest: prober\.js 1074\.2 KiB\)\n$/,
    );
    expect(existsSync(join(dist, 'deploy', PACKAGE_FILES.kustomization))).toBe(false);
    // One-shot does not ship the prober, so the same dist packages.
    expect(
      (
        await ipft([
          'package',
          '--dist',
          dist,
          '--mode',
          'oneshot',
          '--from-deployment',
          seed,
          '--out',
          join(dist, 'deploy'),
        ])
      ).code,
    ).toBe(0);
  });

  it('refuses a bundle that is a FIFO or /dev/zero under --dist, in one line, without reading it', async () => {
    for (const [make, problem] of [
      [(path: string) => spawnSync('mkfifo', [path]), 'is a FIFO, not a regular file'],
      [(path: string) => symlinkSync('/dev/zero', path), 'is a character device, not a regular file'],
    ] as const) {
      const dist = temporaryDirectory();
      for (const directory of ['checks', 'notify', 'exporter']) mkdirSync(join(dist, directory));
      make(join(dist, 'checks/tcp-check.js'));
      const result = await ipft(['package', '--dist', dist, '--from-deployment', seed]);
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
      // kustomize puts the patch's env entries first, so the entry's index is kustomize's.
      expect(findings).toEqual([
        [
          'groups-exceed-vips',
          expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.value$/),
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
    expect(prober.envFrom).toEqual([
      { configMapRef: { name: expect.stringMatching(/^ipfailover-toolkit-settings-[a-z0-9]{10}$/) } },
    ]);
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
      const file = join(temporaryDirectory(), 'deployment.yaml');
      writeFileSync(
        file,
        readFileSync(seed, 'utf8').replace('name: ipfailover-keepalived # 1', `name: ${deployment}`),
      );
      const out = temporaryDirectory();
      expect((await ipft(['package', '--from-deployment', file, '--out', out])).code).toBe(0);
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
    expect(result.stdout).toContain('ports: exporter 9800, prober 9801;');
    const spec = podSpecOf(read(PACKAGE_FILES.patch));
    expect(envOf(named(spec.containers, names.exporterContainer)).IPF_EXPORTER_PORT).toBe('9800');
    expect(named(spec.initContainers, names.proberContainer).ports?.[0]?.containerPort).toBe(9801);
    expect(proberProbeScript(9801)).toContain("connect(9801,'127.0.0.1')");
    expect(JSON.stringify(named(spec.initContainers, names.proberContainer).livenessProbe)).toContain(
      'connect(9801,',
    );
  });
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
        ...(mode === 'prober' ? [PACKAGE_FILES.prober] : []),
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
      expect(kustomization.configMapGenerator).toEqual([
        { name: 'ipfailover-toolkit-settings', envs: [PACKAGE_FILES.settings] },
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
    expect(existsSync(join((await packageFrom(seed)).out, PACKAGE_FILES.externalIpRbac))).toBe(false);
    const binding = documents(
      join((await packageFrom(seed, '--check', 'externalip-check')).out, PACKAGE_FILES.externalIpRbac),
    ).find((object) => object.kind === 'ClusterRoleBinding');
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' },
    ]);
  });

  it('the maintenance RBAC (get on nodes) comes with a settings.env that reads the Node; NODE_NAME always', async () => {
    const plain = await packageFrom(seed);
    expect(plain.read(PACKAGE_FILES.kustomization).resources).not.toContain(PACKAGE_FILES.maintenanceRbac);
    for (const setting of ['IPF_MAINTENANCE_LABEL=true', 'IPF_FOLLOW_CORDON=true']) {
      const out = temporaryDirectory();
      writeFileSync(join(out, PACKAGE_FILES.settings), `${setting}\n`);
      const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
      expect(result.code, result.stderr).toBe(0);
      expect(only(join(out, PACKAGE_FILES.kustomization)).resources).toContain(PACKAGE_FILES.maintenanceRbac);
      const rbac = documents(join(out, PACKAGE_FILES.maintenanceRbac));
      expect(rbac.find((object) => object.kind === 'ClusterRole')?.rules).toEqual([
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      ]);
      expect(rbac.find((object) => object.kind === 'ClusterRoleBinding')?.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' },
      ]);
    }
    const prober = named(podSpecOf(plain.read(PACKAGE_FILES.patch)).initContainers, names.proberContainer);
    expect(prober.env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
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
      ['--dist', '/nonexistent-ipft-dist'],
      2,
      /^ipft package: --dist: cannot list \/nonexistent-ipft-dist\/checks .*; run npm run build first\n$/,
    ],
  ])('%j exits %i', async (argv, code, message) => {
    const from = argv.includes('--from-deployment') ? [] : ['--from-deployment', seed];
    const result = await ipft(['package', '--out', temporaryDirectory(), ...from, ...argv]);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(code);
  });
});

/** The seed with these env entries added to its keepalived container, written to a file. */
function seedWith(
  env: readonly { name: string; value: string }[],
  mutate?: (deployment: Json) => void,
): string {
  const deployment = only(seed);
  named(podSpecOf(deployment).containers, PACKAGE_DEFAULTS.container).env?.push(...env);
  mutate?.(deployment);
  const file = join(temporaryDirectory(), 'deployment.yaml');
  writeFileSync(file, stringify(deployment));
  return file;
}

/** A container's env of the kustomize-built Deployment, the settings ConfigMap folded in where it is envFrom. */
function effectiveEnv(built: readonly Json[], container: IContainer): Record<string, unknown> {
  const fromMaps = (container.envFrom ?? []).map(
    ({ configMapRef }) =>
      built.find(
        (object) => object.kind === 'ConfigMap' && at(object, 'metadata', 'name') === configMapRef?.name,
      )?.data as Record<string, string>,
  );
  return Object.assign({}, ...fromMaps, envOf(container));
}

describe('the folder: one oc apply -k, the administrator’s files kept', () => {
  it('holds what the install applies at the top, and what must never be applied with it in subfolders', async () => {
    const { out, result } = await packageFrom(seed);
    expect(result.code, result.stderr).toBe(0);
    const top = readdirSync(out).sort();
    expect(top).toEqual(
      [
        'dashboard',
        'removal',
        'uninstall',
        PACKAGE_FILES.kustomization,
        PACKAGE_FILES.deployment,
        PACKAGE_FILES.settings,
        PACKAGE_FILES.patch,
        PACKAGE_FILES.scripts,
        PACKAGE_FILES.exporter,
        PACKAGE_FILES.prober,
        PACKAGE_FILES.podMonitor,
        PACKAGE_FILES.prometheusRule,
        PACKAGE_FILES.preflight,
      ].sort(),
    );
    // Every YAML file at the top but the kustomization is in it: nothing there is left out of the apply.
    const resources = only(join(out, PACKAGE_FILES.kustomization)).resources as string[];
    expect(
      top.filter((name) => name.endsWith('.yaml') && name !== PACKAGE_FILES.kustomization).sort(),
    ).toEqual([...resources, PACKAGE_FILES.patch].sort());
    expect(statSync(join(out, PACKAGE_FILES.preflight)).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, PACKAGE_FILES.uninstall)).mode & 0o777).toBe(0o755);
    // It ends with the commands to run next.
    expect(result.stdout).toContain(
      `Next:\n  sh ${join(out, PACKAGE_FILES.preflight)}            # read-only: image, SCC, monitoring\n  oc apply --server-side --force-conflicts --field-manager=ipfailover-toolkit -k ${out}\n  oc rollout status deploy/ipfailover-keepalived\n`,
    );
  });

  it('kustomize makes the settings ConfigMap from settings.env, named after its data, and the pod refers to that name', async () => {
    const { out, built, patched } = await patchedSeed();
    const settingsMap = (objects: readonly Json[]) =>
      objects.find((object) =>
        String(at(object, 'metadata', 'name')).startsWith('ipfailover-toolkit-settings-'),
      );
    const first = settingsMap(built);
    expect(first?.data ?? {}).toEqual({});
    const prober = named(podSpecOf(patched).initContainers, names.proberContainer);
    expect(prober.envFrom).toEqual([{ configMapRef: { name: at(first, 'metadata', 'name') } }]);
    // A change to settings.env is a new name, so a new pod template, which the apply rolls out.
    writeFileSync(join(out, PACKAGE_FILES.settings), 'IPF_TCP_TARGETS=127.0.0.1:8080\n');
    const again = kustomize(out);
    const second = settingsMap(again);
    expect(second?.data).toEqual({ IPF_TCP_TARGETS: '127.0.0.1:8080' });
    expect(at(second, 'metadata', 'name')).not.toBe(at(first, 'metadata', 'name'));
    const rebuilt = again.find((object) => object.kind === 'Deployment');
    expect(named(podSpecOf(rebuilt).initContainers, names.proberContainer).envFrom).toEqual([
      { configMapRef: { name: at(second, 'metadata', 'name') } },
    ]);
  });

  it('a later run keeps settings.env and the saved Deployment as they are, and works without --from-deployment', async () => {
    const { out } = await packageFrom(seed);
    const settings = '# mine\nIPF_TCP_TARGETS=127.0.0.1:8080\n';
    writeFileSync(join(out, PACKAGE_FILES.settings), settings);
    const deployment = readFileSync(join(out, PACKAGE_FILES.deployment), 'utf8');
    for (const argv of [['--from-deployment', seed], ['--check', 'http-check'], []]) {
      const result = await ipft(['package', '--out', out, ...argv]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('settings.env kept as it was (1 setting)');
      expect(readFileSync(join(out, PACKAGE_FILES.settings), 'utf8')).toBe(settings);
      expect(readFileSync(join(out, PACKAGE_FILES.deployment), 'utf8')).toBe(deployment);
    }
  });

  it('saves the Deployment without status, server fields or resourceVersion, which later applies would trip on', async () => {
    const file = seedWith([], (deployment) => {
      deployment.status = { replicas: 2 };
      Object.assign(deployment.metadata as Json, {
        resourceVersion: '12345',
        uid: 'u',
        managedFields: [{ manager: 'oc' }],
        annotations: { 'deployment.kubernetes.io/revision': '3' },
      });
    });
    const { read } = await packageFrom(file);
    const saved = read(PACKAGE_FILES.deployment);
    expect(saved.status).toBeUndefined();
    expect(Object.keys(saved.metadata as Json).sort()).toEqual(['labels', 'name']);
  });

  it('refuses a Deployment that already carries the toolkit, one other than the folder’s, and a folder written by hand', async () => {
    const { out, built } = await patchedSeed();
    const installed = join(temporaryDirectory(), 'installed.yaml');
    writeFileSync(installed, stringify(built.find((object) => object.kind === 'Deployment')));
    const carried = await ipft(['package', '--from-deployment', installed, '--out', temporaryDirectory()]);
    expect(carried.code).toBe(2);
    expect(carried.stderr).toMatch(
      /--from-deployment: expected the Deployment as it was before the toolkit, got one that carries it \(container ipft-exporter, ipft-prober\); package from the original, which the first ipft package saved as .*ipfailover-deployment\.yaml\n$/,
    );
    const other = seedWith([{ name: 'IPF_CHECK_FALL', value: '3' }]);
    const differs = await ipft(['package', '--from-deployment', other, '--out', out]);
    expect(differs.code).toBe(2);
    expect(differs.stderr).toContain(
      `differs from ${join(out, PACKAGE_FILES.deployment)}, the original this folder installs and uninstalls to`,
    );
    const byHand = temporaryDirectory();
    writeFileSync(join(byHand, PACKAGE_FILES.kustomization), 'resources: [mine.yaml]\n');
    const refused = await ipft(['package', '--from-deployment', seed, '--out', byHand]);
    expect(refused.stderr).toBe(
      `ipft package: --out: ${join(byHand, PACKAGE_FILES.kustomization)} exists and was not written by ipft package; expected a new folder or one that ipft package wrote\n`,
    );
    expect(refused.code).toBe(2);
    expect(readdirSync(byHand)).toEqual([PACKAGE_FILES.kustomization]);
  });

  it('uninstall.sh applies the saved original with the install’s field manager and deletes exactly what the kustomization added', async () => {
    const { out } = await packageFrom(seed, '--check', 'externalip-check');
    const script = readFileSync(join(out, PACKAGE_FILES.uninstall), 'utf8');
    expect(script).toContain(
      'oc apply --server-side --force-conflicts --field-manager=ipfailover-toolkit -f ipfailover-deployment.yaml\n',
    );
    const resources = (only(join(out, PACKAGE_FILES.kustomization)).resources as string[]).filter(
      (name) => name !== PACKAGE_FILES.deployment,
    );
    expect(script).toContain(`resources=${resources.join(':')}\n`);
    expect(script).toContain(
      'oc delete configmap --ignore-not-found -l app.kubernetes.io/name=ipfailover-toolkit,app.kubernetes.io/component=settings,app.kubernetes.io/part-of=ipfailover-toolkit,ipfailover-toolkit/deployment=ipfailover-keepalived\n',
    );
    // The generated ConfigMaps carry that selector's labels.
    const generated = kustomize(out).find((object) =>
      String(at(object, 'metadata', 'name')).startsWith('ipfailover-toolkit-settings-'),
    );
    expect(at(generated, 'metadata', 'labels')).toMatchObject({
      'app.kubernetes.io/component': 'settings',
      'ipfailover-toolkit/deployment': 'ipfailover-keepalived',
    });
    const lint = spawnSync(
      'shellcheck',
      ['-S', 'style', join(out, PACKAGE_FILES.uninstall), join(out, PACKAGE_FILES.preflight)],
      {
        encoding: 'utf8',
      },
    );
    expect(lint.status, lint.stdout).toBe(0);
  });
});

describe('every IPF_* setting has one home: ipft package places each by the one table', () => {
  const cases = Object.keys(SETTING_READERS).flatMap((name) =>
    (['prober', 'oneshot'] as const).map((mode) => ({ name, mode })),
  );

  it.each(cases)('$name on the keepalived container, --mode $mode', async ({ name, mode }) => {
    const value = 'x';
    const file = seedWith([{ name, value }]);
    const out = temporaryDirectory();
    const result = await ipft(['package', '--from-deployment', file, '--out', out, '--mode', mode]);
    const readers = settingContainers(name, mode);
    const setBy = packagerSetting(name);
    if (setBy) {
      expect(result.stderr).toBe(
        `ipft package: --from-deployment: container openshift-ipfailover: ${name} is set by ipft package (${setBy}); expected it off the container\n`,
      );
      expect(result.code).toBe(2);
      return;
    }
    if (readers.length === 0) {
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `ipft package: --from-deployment: container openshift-ipfailover: ${name} is read by the prober only, which --mode oneshot does not run; expected --mode prober, or the setting removed\n`,
      );
      expect(readdirSync(out)).toEqual([]);
      return;
    }
    expect(result.code, result.stderr).toBe(0);
    const built = kustomize(out);
    const spec = podSpecOf(built.find((object) => object.kind === 'Deployment'));
    const containers: Record<Container, IContainer | undefined> = {
      keepalived: named(spec.containers, PACKAGE_DEFAULTS.container),
      exporter: named(spec.containers, names.exporterContainer),
      prober: [...spec.containers, ...(spec.initContainers ?? [])].find(
        (container) => container.name === names.proberContainer,
      ),
    };
    // The packager's own value wins where it sets one (ports, the state directory, the pod UID).
    const ownedByPackager = [
      'IPF_STATE_DIR',
      'IPF_PROBER_PORT',
      'IPF_POD_UID',
      'IPF_EXPORTER_PORT',
      'IPF_CHECKS',
    ];
    for (const [container, body] of Object.entries(containers)) {
      if (!body) continue;
      const env = effectiveEnv(built, body);
      const reads = readers.includes(container as Container);
      if (!reads) {
        expect(env[name], `${name} on ${container}`).toBeUndefined();
      } else if (
        !ownedByPackager.includes(name) &&
        settingContainers(name, mode).includes('keepalived') === (container === 'keepalived')
      ) {
        expect(env[name], `${name} on ${container}`).toBe(value);
      }
    }
    // Never on a container that does not read it: verdict.sh would fail every run with a check setting there.
    expect(effectiveEnv(built, containers.keepalived as IContainer)[name] !== undefined).toBe(
      readers.includes('keepalived'),
    );
  });

  it('an unknown IPF_* name is refused with a suggestion, never moved', async () => {
    const file = seedWith([{ name: 'IPF_HTTP_STAUTS', value: '200' }]);
    const out = temporaryDirectory();
    const result = await ipft(['package', '--from-deployment', file, '--out', out]);
    expect(result.stderr).toBe(
      'ipft package: --from-deployment: container openshift-ipfailover: IPF_HTTP_STAUTS: unknown setting; did you mean IPF_HTTP_STATUS?\n',
    );
    expect(result.code).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });

  it('moved settings seed settings.env, and the next commands take them off the live container in the same rollout', async () => {
    const file = seedWith([
      { name: 'IPF_MAINTENANCE_FILE', value: '/var/run/maintenance' },
      { name: 'IPF_HTTP_URL', value: 'http://127.0.0.1:8080/healthz' },
      { name: 'IPF_WEBHOOK_URL', value: 'https://hooks.invalid/ipf' },
    ]);
    const { out, result } = await packageFrom(file);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(out, PACKAGE_FILES.settings), 'utf8')).toContain(
      'IPF_MAINTENANCE_FILE=/var/run/maintenance\nIPF_HTTP_URL=http://127.0.0.1:8080/healthz\n',
    );
    expect(result.stdout).toContain(
      'IPF_WEBHOOK_URL moves from container openshift-ipfailover to the exporter',
    );
    expect(result.stdout).toContain(
      `  oc rollout pause deploy/ipfailover-keepalived\n  oc set env deploy/ipfailover-keepalived -c openshift-ipfailover IPF_MAINTENANCE_FILE- IPF_HTTP_URL- IPF_WEBHOOK_URL-\n  oc apply --server-side --force-conflicts --field-manager=ipfailover-toolkit -k ${out}\n  oc rollout resume deploy/ipfailover-keepalived\n`,
    );
    // ipft lint of the built result: nothing on a container that does not read it.
    const deployment = join(out, 'built.yaml');
    writeFileSync(deployment, stringify(kustomize(out).find((object) => object.kind === 'Deployment')));
    const lint = await ipft(['lint', '--format', 'json', deployment]);
    const rules = JSON.parse(lint.stdout).findings.map(({ rule }: { rule: string }) => rule);
    expect(rules).toEqual(['groups-exceed-vips']);
  });
});

describe('settings.env: bad lines are refused, one line each, before anything is written', () => {
  it.each([
    ['garbage', 'expected NAME=VALUE, got "garbage"'],
    ['IPF_TCP_TARGETS', 'expected NAME=VALUE, got "IPF_TCP_TARGETS"'],
    ['1PF=x', 'expected NAME=VALUE, got "1PF=x"'],
    ['IPF_HTTP_STAUTS=200', 'IPF_HTTP_STAUTS: unknown setting; did you mean IPF_HTTP_STATUS?'],
    [
      'PATH=/tmp',
      'PATH: expected only IPF_* settings of the checks (the file is the environment of container ipft-prober)',
    ],
    ['IPF_CHECKS=http-check', 'IPF_CHECKS is set by ipft package (--check); expected it out of this file'],
    [
      'IPF_CHECK_FALL=3',
      'IPF_CHECK_FALL is read by container keepalived, not by ipft-prober; expected it on that container in ipfailover-deployment.yaml',
    ],
    [
      'IPF_WEBHOOK_URL=https://hooks.invalid/',
      'IPF_WEBHOOK_URL is read by container ipft-exporter, not by ipft-prober; expected it on that container in ipfailover-deployment.yaml',
    ],
  ])('%j', async (line, problem) => {
    const out = temporaryDirectory();
    writeFileSync(join(out, PACKAGE_FILES.settings), `# mine\nIPF_TCP_MODE=connect\n${line}\n`);
    const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `ipft package: ${join(out, PACKAGE_FILES.settings)}:3: ${problem}\n`,
    });
    expect(readdirSync(out)).toEqual([PACKAGE_FILES.settings]);
  });

  it('a duplicate key names its second line; several problems are each one line', async () => {
    const out = temporaryDirectory();
    writeFileSync(join(out, PACKAGE_FILES.settings), 'IPF_TCP_MODE=connect\nIPF_TCP_MODE=send\nnope\n');
    const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    const file = join(out, PACKAGE_FILES.settings);
    expect(result.stderr).toBe(
      `ipft package: ${file}:2: IPF_TCP_MODE is set twice; expected it once\n${file}:3: expected NAME=VALUE, got "nope"\n`,
    );
    expect(result.code).toBe(2);
  });

  it('one-shot mode: the prober’s settings are refused, the checks’ go to keepalived’s envFrom', async () => {
    const out = temporaryDirectory();
    writeFileSync(join(out, PACKAGE_FILES.settings), 'IPF_MAINTENANCE_LABEL=true\n');
    const refused = await ipft(['package', '--from-deployment', seed, '--out', out, '--mode', 'oneshot']);
    expect(refused.stderr).toBe(
      `ipft package: ${join(out, PACKAGE_FILES.settings)}:1: IPF_MAINTENANCE_LABEL is read by the prober only, which --mode oneshot does not run; expected --mode prober, or the line removed\n`,
    );
    writeFileSync(join(out, PACKAGE_FILES.settings), 'IPF_TCP_TARGETS=127.0.0.1:8080\n');
    const result = await ipft(['package', '--from-deployment', seed, '--out', out, '--mode', 'oneshot']);
    expect(result.code, result.stderr).toBe(0);
    const built = kustomize(out);
    const keepalived = named(
      podSpecOf(built.find((object) => object.kind === 'Deployment')).containers,
      PACKAGE_DEFAULTS.container,
    );
    expect(effectiveEnv(built, keepalived).IPF_TCP_TARGETS).toBe('127.0.0.1:8080');
  });

  it('a FIFO or /dev/zero as settings.env is refused without blocking', async () => {
    for (const make of [
      (path: string) => spawnSync('mkfifo', [path]),
      (path: string) => symlinkSync('/dev/zero', path),
    ]) {
      const out = temporaryDirectory();
      make(join(out, PACKAGE_FILES.settings));
      const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^ipft package: --out: expected .*settings\.env to be a regular file or absent, got (a FIFO|a symlink to \/dev\/zero; ipft package never reads or writes through a symlink in its folder)\n$/,
      );
    }
  });
});

describe('settings.env: what kustomize reads is what ipft package accepted, or it is refused', () => {
  /** The data of the settings ConfigMap that kustomize generates from the folder. */
  const settingsData = (out: string) =>
    kustomize(out).find(
      (object) =>
        object.kind === 'ConfigMap' &&
        String(at(object, 'metadata', 'name')).startsWith(`${SETTINGS_CONFIGMAP}-`),
    )?.data ?? {};

  it.each([
    ['CRLF line endings', 'IPF_TCP_MODE=connect\r\nIPF_TCP_TARGETS=127.0.0.1:80\r\n'],
    ['a BOM at the start', '\ufeffIPF_TCP_MODE=connect\n'],
    ['" #" and quotes, kept in the value', 'IPF_TCP_SEND="a # b"\nIPF_TCP_EXPECT=\'x\' #y\n'],
    ['white space Go trims and JavaScript does too', '\u00a0\t IPF_TCP_MODE= connect \t\n'],
    ['an empty value and no final newline', 'IPF_TCP_SEND=\nIPF_TCP_MODE=connect'],
    ['other scripts in a value', 'IPF_HTTP_BODY_REGEX=^ok ✓ é 漢$\n'],
  ])('%s', async (_, text) => {
    const out = temporaryDirectory();
    writeFileSync(join(out, PACKAGE_FILES.settings), text);
    const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const parsed = parseSettingsFile(text, PACKAGE_FILES.settings, 'prober');
    expect(settingsData(out)).toEqual(Object.fromEntries(parsed));
  });

  it.each([
    [
      'a NUL byte',
      'IPF_TCP_MODE=con\0nect\n',
      ':1: IPF_TCP_MODE: expected a value without control characters, got "con\\u0000nect" ("\\u0000" at 4)',
    ],
    [
      'a CR inside a line (old Mac line endings)',
      'IPF_TCP_MODE=connect\rIPF_TCP_SEND=x\n',
      ':1: IPF_TCP_MODE: expected a value without control characters, got "connect\\rIPF_TCP_SEND=x" ("\\r" at 8)',
    ],
    [
      'a line separator, a line break in YAML 1.1',
      'IPF_TCP_SEND=a\u2028b\n',
      ':1: IPF_TCP_SEND: expected a value without control characters, got "a\u2028b" ("\u2028" at 2)',
    ],
    [
      'a BOM on a later line, which kustomize takes for part of the name',
      'IPF_TCP_MODE=connect\n\ufeffIPF_TCP_SEND=x\n',
      ':2: expected NAME=VALUE, got "\ufeffIPF_TCP_SEND=x"',
    ],
    [
      'bytes that are not UTF-8',
      Buffer.from('IPF_TCP_MODE=connect\nIPF_TCP_SEND=\xc3(\n', 'latin1'),
      ':2: expected UTF-8 text, got bytes that are not (kustomize refuses them)',
    ],
  ])('refuses %s, writing nothing', async (_, text, problem) => {
    const out = temporaryDirectory();
    const file = join(out, PACKAGE_FILES.settings);
    writeFileSync(file, text);
    const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `ipft package: ${file}${problem}\n` });
    expect(readdirSync(out)).toEqual([PACKAGE_FILES.settings]);
  });

  it('a file of thousands of bad lines shows ten of them and counts the rest', async () => {
    const out = temporaryDirectory();
    const file = join(out, PACKAGE_FILES.settings);
    writeFileSync(file, 'nope\n'.repeat(5000));
    const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe(`${file}: and 4990 more problems`);
  });

  it('a moved value with a control character is refused from the Deployment, naming it', async () => {
    const out = join(temporaryDirectory(), 'out');
    const file = seedWith([{ name: 'IPF_TCP_MODE', value: 'connect\r' }]);
    const result = await ipft(['package', '--from-deployment', file, '--out', out]);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'ipft package: --from-deployment: IPF_TCP_MODE: expected a value without control characters, got "connect\\r" ("\\r" at 8); move it into settings.env by hand\n',
    });
    expect(existsSync(out)).toBe(false);
  });
});

describe('a hostile Deployment file: one line, exit 2, nothing written', () => {
  /** The seed, changed, written as YAML text. */
  const seedAs = (mutate: (deployment: Json) => void) => seedWith([], mutate);
  const keepalivedOf = (deployment: Json) =>
    named(podSpecOf(deployment).containers, PACKAGE_DEFAULTS.container);

  it.each([
    [
      'an alias bomb',
      () => {
        const file = join(temporaryDirectory(), 'bomb.yaml');
        const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
        for (let level = 1; level < 9; level++) {
          const [previous, name] = [String.fromCharCode(96 + level), String.fromCharCode(97 + level)];
          levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
        }
        writeFileSync(file, `${levels.join('\n')}\nkind: Deployment\n`);
        return file;
      },
      /:1: cannot read this YAML document: Excessive alias count indicates a resource exhaustion attack$/,
    ],
    [
      'an alias without its anchor',
      () => {
        const file = join(temporaryDirectory(), 'alias.yaml');
        writeFileSync(file, 'kind: Deployment\nmetadata: {name: x}\nspec: *nope\n');
        return file;
      },
      /:1: cannot read this YAML document: Unresolved alias \(the anchor must be set before the alias\): nope$/,
    ],
    [
      'a name that is a path',
      () => seedAs((deployment) => ((at(deployment, 'metadata') as Json).name = '../../escape')),
      /: --from-deployment: metadata\.name: expected a Deployment name of lowercase letters, digits, "-" and "\." of at most 63 characters \(the package puts it in a label\), got "\.\.\/\.\.\/escape"$/,
    ],
    [
      'a name longer than a label value',
      () => seedAs((deployment) => ((at(deployment, 'metadata') as Json).name = 'a'.repeat(64))),
      /metadata\.name: expected .*, got "a{40}"…$/,
    ],
    [
      'no name',
      () => seedAs((deployment) => delete (at(deployment, 'metadata') as Json).name),
      /metadata\.name: expected .*, got none$/,
    ],
    [
      'a namespace that is a number',
      () => seedAs((deployment) => ((at(deployment, 'metadata') as Json).namespace = 7)),
      /metadata\.namespace: expected a namespace name of lowercase letters, digits and "-" of at most 63 characters, or none, got 7$/,
    ],
    [
      'an IPF_* value that YAML made a number',
      () =>
        seedAs((deployment) =>
          (keepalivedOf(deployment).env as unknown[]).push({ name: 'IPF_TCP_MODE', value: 5 }),
        ),
      /^ipft package: --from-deployment: container openshift-ipfailover: IPF_TCP_MODE: expected a string value \(quoted in YAML\), got 5 \(number\)$/,
    ],
    [
      'an IPF_* setting twice',
      () =>
        seedWith([
          { name: 'IPF_TCP_MODE', value: 'connect' },
          { name: 'IPF_TCP_MODE', value: 'send' },
        ]),
      /^ipft package: --from-deployment: container openshift-ipfailover: IPF_TCP_MODE is set twice; expected it once$/,
    ],
  ])('%s', async (_, make, message) => {
    const out = join(temporaryDirectory(), 'out');
    const result = await ipft(['package', '--from-deployment', make(), '--out', out]);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr.trimEnd()).toMatch(message);
    expect(result.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('without --out, a bad name never becomes a folder', async () => {
    const cwd = temporaryDirectory();
    const file = seedAs((deployment) => ((at(deployment, 'metadata') as Json).name = '../x'));
    const result = spawnSync(
      process.execPath,
      [join(process.cwd(), 'dist/cli.js'), 'package', '--from-deployment', file],
      {
        cwd,
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(cwd, '..', 'x'))).toBe(false);
  });
});

describe('a hostile --out folder: links are refused, never followed', () => {
  /** A folder an earlier run wrote, to plant things in. */
  async function packaged() {
    const out = temporaryDirectory();
    expect((await ipft(['package', '--from-deployment', seed, '--out', out])).code).toBe(0);
    return out;
  }
  /** Every file under a folder with its contents (a link as its target), to see that a refused run changed nothing. */
  const snapshot = (root: string): Record<string, string> =>
    Object.fromEntries(
      readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => !entry.isDirectory())
        .map((entry) => {
          const path = join(entry.parentPath, entry.name);
          return [path, entry.isSymbolicLink() ? `-> ${readlinkSync(path)}` : readFileSync(path, 'utf8')];
        }),
    );

  it.each([
    [PACKAGE_FILES.settings, '/etc/passwd'],
    [PACKAGE_FILES.deployment, '/etc/passwd'],
    [PACKAGE_FILES.kustomization, 'victim'],
    [PACKAGE_FILES.preflight, 'victim'],
    [PACKAGE_FILES.dashboard, 'victim'],
    [PACKAGE_FILES.uninstall, 'victim'],
  ])('%s as a symlink (to %s)', async (name, to) => {
    for (const fresh of [true, false]) {
      const out = fresh ? temporaryDirectory() : await packaged();
      const victim = join(temporaryDirectory(), 'victim');
      // The victim carries the mark, as another folder's file would: a check of contents alone would write it.
      writeFileSync(victim, '# Generated by ipft package\n');
      const path = join(out, name);
      mkdirSync(join(path, '..'), { recursive: true });
      rmSync(path, { force: true });
      symlinkSync(to === 'victim' ? victim : to, path);
      const before = snapshot(out);
      const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `ipft package: --out: expected ${path} to be a regular file or absent, got a symlink to ${to === 'victim' ? victim : to}; ipft package never reads or writes through a symlink in its folder\n`,
      });
      expect(snapshot(out)).toEqual(before);
      expect(readFileSync(victim, 'utf8')).toBe('# Generated by ipft package\n');
    }
  });

  it('a dangling symlink where the packager writes, and a subfolder that is a symlink', async () => {
    const elsewhere = temporaryDirectory();
    const out = temporaryDirectory();
    symlinkSync(join(elsewhere, 'created'), join(out, PACKAGE_FILES.patch));
    let result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/deployment-patch\.yaml to be a regular file or absent, got a symlink to /);
    symlinkSync(elsewhere, join(out, 'uninstall'));
    rmSync(join(out, PACKAGE_FILES.patch));
    result = await ipft(['package', '--from-deployment', seed, '--out', out]);
    expect(result.stderr).toBe(
      `ipft package: --out: expected ${join(out, 'uninstall')} to be a folder or absent, got a symlink to ${elsewhere}; ipft package never reads or writes through a symlink in its folder\n`,
    );
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['uninstall']);
  });

  it('--out as a file, as a dangling symlink, under a file: one line each', async () => {
    const directory = temporaryDirectory();
    const file = join(directory, 'file');
    writeFileSync(file, 'mine\n');
    symlinkSync(join(directory, 'nowhere'), join(directory, 'dangling'));
    for (const [out, message] of [
      [file, `expected a folder, new or written by ipft package, got ${file}, which is a regular file`],
      [
        join(directory, 'dangling'),
        `expected a folder, new or written by ipft package, got ${join(directory, 'dangling')}, a symlink that leads nowhere`,
      ],
      [join(file, 'sub'), `cannot look at ${join(file, 'sub')} (ENOTDIR`],
    ] as const) {
      const result = await ipft(['package', '--from-deployment', seed, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(result.stderr).toContain(`ipft package: --out: ${message}`);
    }
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect(readdirSync(directory).sort()).toEqual(['dangling', 'file']);
  });

  it('--out as a symlink to a folder, named by the administrator, is followed; a hard link is replaced, not written through', async () => {
    const real = temporaryDirectory();
    const link = join(temporaryDirectory(), 'link');
    symlinkSync(real, link);
    expect((await ipft(['package', '--from-deployment', seed, '--out', link])).code).toBe(0);
    expect(readdirSync(real)).toContain(PACKAGE_FILES.kustomization);
    const other = join(temporaryDirectory(), 'other.yaml');
    linkSync(join(real, PACKAGE_FILES.kustomization), other);
    const before = readFileSync(other, 'utf8');
    expect((await ipft(['package', '--out', link, '--mode', 'oneshot'])).code).toBe(0);
    expect(readFileSync(other, 'utf8')).toBe(before);
    expect(readFileSync(join(real, PACKAGE_FILES.kustomization), 'utf8')).not.toBe(before);
    expect(readdirSync(real).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
