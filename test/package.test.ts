import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { type IPodTemplateSpec, PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { isRecord } from '../core/ipfailover/manifests.ts';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { alertNames } from '../exporter/alerts.ts';
import { readBundles } from '../packaging/command.ts';
import {
  assertConfigMapFits,
  CONFIGMAP_MAX_BYTES,
  configMapDataBytes,
  PackageError,
} from '../packaging/configmaps.ts';
import { ALERTS_SELECTOR, grafanaDashboard } from '../packaging/dashboard.ts';
import {
  DEFAULT_CONTAINER,
  DEFAULT_DEPLOYMENT,
  DEFAULT_NODE_IMAGE,
  names,
  paths,
} from '../packaging/layout.ts';
import { JOB_NAME } from '../packaging/monitoring.ts';
import { ocCommands, PACKAGE_FILES } from '../packaging/package.ts';
import { IMAGE_REMOVAL_SCRIPT, removalCommand } from '../packaging/removal-job.ts';
import { strategicMerge } from '../packaging/strategic-merge.ts';
import { ipft } from './support/cli.ts';
import { temporaryDirectory } from './support/harness.ts';

const seed = 'test/fixtures/lint/seed-example.yaml';
type Json = Record<string, unknown>;

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

/** The pod spec of a Deployment, a Job or a Deployment patch. */
const podSpecOf = (object: unknown) => at(object, 'spec', 'template', 'spec') as IPodSpec;

const seedEnv = () => {
  return (named(podSpecOf(only(seed)).containers, DEFAULT_CONTAINER).env ?? []).map(({ name, value }) => ({
    name,
    value: value ?? '',
  }));
};

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

describe('ipft package: every generated object is valid', () => {
  it('validates each object of each YAML file against its Kubernetes or prometheus-operator schema', async () => {
    const { out, result } = await packageFrom(seed);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const kinds: string[] = [];
    for (const file of Object.values(PACKAGE_FILES).filter((name) => name.endsWith('.yaml'))) {
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
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'ConfigMap',
        'Deployment',
        'Job',
        'PodMonitor',
        'PrometheusRule',
      ].sort(),
    );
  });

  it('the patch is a valid pod template, and the patched seed Deployment a valid Deployment', async () => {
    const { read } = await packageFrom(seed);
    const patch = read(PACKAGE_FILES.patch);
    expect(() => new PodTemplateSpec(at(patch, 'spec', 'template') as never).validate()).not.toThrow();
    const patched = strategicMerge(read(PACKAGE_FILES.deployment), patch);
    expect(() => new Deployment(patched as never).validate()).not.toThrow();
  });

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
  });
});

describe('the ConfigMaps', () => {
  it('hold every built check with its wrapper, notify.sh and the runtime installer, byte for byte, under 1 MiB', () => {
    const bundles = readBundles('dist');
    const scripts = only(join('dist/deploy', PACKAGE_FILES.scripts));
    const data = scripts.data as Record<string, string>;
    const checks = Object.keys(bundles.checks);
    expect(checks).toEqual(expect.arrayContaining(['tcp-check', 'http-check']));
    expect(Object.keys(data).sort()).toEqual(
      [...checks, ...checks.map((check) => `${check}.js`), 'notify.sh', 'install-node-runtime.sh'].sort(),
    );
    for (const check of checks) {
      expect(data[`${check}.js`]).toBe(bundles.checks[check]);
      expect(data[check]).toMatch(new RegExp(`^#!/bin/bash\\n# ${check}: `));
    }
    expect(data['notify.sh']).toBe(bundles.notify);
    const exporter = only(join('dist/deploy', PACKAGE_FILES.exporter));
    expect((exporter.data as Record<string, string>)['exporter.js']).toBe(bundles.exporter);
    for (const configMap of [scripts, exporter]) {
      expect(configMapDataBytes(configMap.data as Record<string, string>)).toBeLessThanOrEqual(
        CONFIGMAP_MAX_BYTES,
      );
    }
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
    writeFileSync(join(dist, 'notify/notify.sh'), '#!/bin/bash\n');
    writeFileSync(join(dist, 'exporter/exporter.js'), `// ${'x'.repeat(1_100_000)}\n`);
    const result = await ipft(['package', '--dist', dist]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^ipft package: ConfigMap ipfailover-toolkit-exporter: expected at most 1048576 bytes of data \(1024\.0 KiB, the API server's limit for one ConfigMap\), got 1100015 bytes \(1074\.2 KiB; largest: exporter\.js 1074\.2 KiB\)\n$/,
    );
    expect(existsSync(join(dist, 'deploy', PACKAGE_FILES.kustomization))).toBe(false);
  });
});

describe('the Deployment patch on the product doc’s example', () => {
  it('ipft lint finds only what the example already had: groups-exceed-vips', async () => {
    const { out, result, read } = await packageFrom(seed);
    const patched = strategicMerge(read(PACKAGE_FILES.deployment), read(PACKAGE_FILES.patch));
    const file = join(out, 'patched.yaml');
    writeFileSync(file, stringify(patched));
    const lint = await ipft(['lint', '--format', 'json', file]);
    expect(lint.stderr).toBe('');
    const findings = JSON.parse(lint.stdout).findings.map(
      ({ rule, field, message }: { rule: string; field: string; message: string }) => [rule, field, message],
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
      'ipft lint of the patched Deployment: 1 finding(s), 0 of them new with the patch',
    );
  });

  it('mounts the scripts executable, sets the check and notify scripts, shares the state and runtime emptyDirs', async () => {
    const { read } = await packageFrom(seed, '--check', 'http-check');
    const spec = podSpecOf(strategicMerge(read(PACKAGE_FILES.deployment), read(PACKAGE_FILES.patch)));
    expect(spec.containers[0]?.name).toBe(DEFAULT_CONTAINER);
    const keepalived = named(spec.containers, DEFAULT_CONTAINER);
    const env = Object.fromEntries((keepalived.env ?? []).map((entry) => [entry.name, entry.value]));
    expect(env).toMatchObject({
      OPENSHIFT_HA_CHECK_SCRIPT: '/etc/ipfailover-toolkit/http-check',
      OPENSHIFT_HA_NOTIFY_SCRIPT: '/etc/ipfailover-toolkit/notify.sh',
      IPF_STATE_DIR: paths.state,
      OPENSHIFT_HA_VIRTUAL_IPS: '1.2.3.4-6,1.2.3.9',
    });
    expect(named(spec.volumes, names.scriptsVolume).configMap).toEqual({
      name: 'ipfailover-toolkit-scripts',
      defaultMode: 0o755,
    });
    const data = only(join('dist/deploy', PACKAGE_FILES.scripts)).data as Record<string, string>;
    for (const variable of ['OPENSHIFT_HA_CHECK_SCRIPT', 'OPENSHIFT_HA_NOTIFY_SCRIPT']) {
      const path = env[variable] ?? '';
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

    const init = named(spec.initContainers, names.runtimeInitContainer);
    expect(init.image).toBe(DEFAULT_NODE_IMAGE);
    expect(init.command).toEqual([
      '/bin/bash',
      '/etc/ipfailover-toolkit/install-node-runtime.sh',
      paths.runtime,
    ]);
    expect(data['install-node-runtime.sh']).toBeDefined();
    // The wrappers look where the init container copies.
    expect(data['http-check']).toContain(`readonly runtime=${paths.runtime}\n`);
  });

  it('adds the exporter sidecar: the deployment’s env, NODE_NAME, port, probes, resources, read-only and unprivileged', async () => {
    const { read } = await packageFrom(seed);
    const spec = podSpecOf(strategicMerge(read(PACKAGE_FILES.deployment), read(PACKAGE_FILES.patch)));
    const exporter = named(spec.containers, names.exporterContainer);
    expect(exporter.image).toBe(DEFAULT_NODE_IMAGE);
    expect(exporter.command).toEqual(['node', '/etc/ipfailover-toolkit-exporter/exporter.js']);
    const exporterData = only(join('dist/deploy', PACKAGE_FILES.exporter)).data as Record<string, string>;
    expect(exporterData['exporter.js']).toBeDefined();
    const env = Object.fromEntries(
      (exporter.env ?? []).map((entry) => [entry.name, entry.value ?? entry.valueFrom]),
    );
    for (const { name, value } of seedEnv()) {
      expect(env[name], name).toBe(
        name === 'OPENSHIFT_HA_CHECK_SCRIPT'
          ? '/etc/ipfailover-toolkit/tcp-check'
          : name === 'OPENSHIFT_HA_NOTIFY_SCRIPT'
            ? '/etc/ipfailover-toolkit/notify.sh'
            : value,
      );
    }
    expect(env.NODE_NAME).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.IPF_STATE_DIR).toBe(paths.state);
    expect(exporter.ports).toEqual([{ name: names.metricsPort, containerPort: 9871, protocol: 'TCP' }]);
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

  it('takes the toolkit out again: the uninstall patch gives back the Deployment as it was', async () => {
    const { read } = await packageFrom(seed);
    const original = read(PACKAGE_FILES.deployment);
    const patched = strategicMerge(original, read(PACKAGE_FILES.patch));
    expect(patched).not.toEqual(original);
    expect(strategicMerge(patched, read(PACKAGE_FILES.uninstallPatch))).toEqual(original);
  });

  it('packaging an already patched Deployment (an upgrade) gives the same files', async () => {
    const first = await packageFrom(seed);
    const installed = temporaryDirectory();
    const file = join(installed, 'installed.yaml');
    writeFileSync(
      file,
      stringify(strategicMerge(first.read(PACKAGE_FILES.deployment), first.read(PACKAGE_FILES.patch))),
    );
    const second = await packageFrom(file);
    expect(second.result.code).toBe(0);
    for (const name of [
      PACKAGE_FILES.deployment,
      PACKAGE_FILES.patch,
      PACKAGE_FILES.uninstallPatch,
      PACKAGE_FILES.removalJob,
    ]) {
      expect(second.read(name), name).toEqual(first.read(name));
    }
  });

  it('refuses an installed Deployment whose record of the replaced scripts is gone', async () => {
    const first = await packageFrom(seed);
    const patched = strategicMerge(first.read(PACKAGE_FILES.deployment), first.read(PACKAGE_FILES.patch)) as {
      metadata: Json;
    };
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

describe('the kustomization', () => {
  it('lists the Deployment and the toolkit objects, and patches the Deployment by name', async () => {
    const { out, read } = await packageFrom(seed);
    const kustomization = read(PACKAGE_FILES.kustomization);
    expect(kustomization.resources).toEqual([
      PACKAGE_FILES.deployment,
      PACKAGE_FILES.scripts,
      PACKAGE_FILES.exporter,
      PACKAGE_FILES.podMonitor,
      PACKAGE_FILES.prometheusRule,
    ]);
    for (const resource of kustomization.resources as string[])
      expect(existsSync(join(out, resource))).toBe(true);
    expect(kustomization.patches).toEqual([
      {
        path: PACKAGE_FILES.patch,
        target: { group: 'apps', version: 'v1', kind: 'Deployment', name: DEFAULT_DEPLOYMENT },
      },
    ]);
    expect(read(PACKAGE_FILES.deployment).metadata).toMatchObject({ name: DEFAULT_DEPLOYMENT });
  });

  it('grants the externalip-check’s read access only to a deployment that runs it', async () => {
    const { read } = await packageFrom(seed, '--check', 'externalip-check');
    expect(read(PACKAGE_FILES.kustomization).resources).toContain(PACKAGE_FILES.externalIpRbac);
    const binding = documents(join((await packageFrom(seed)).out, PACKAGE_FILES.externalIpRbac)).find(
      (object) => object.kind === 'ClusterRoleBinding',
    );
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ipfailover', namespace: 'ipfailover' },
    ]);
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

  it('the dashboard is the generator’s, its alerts query covers every alert, and promtool parses every query', () => {
    const dashboard = grafanaDashboard();
    expect(JSON.parse(readFileSync(join('dist/deploy', PACKAGE_FILES.dashboard), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(dashboard)),
    );
    const pattern = /alertname=~"([^"]+)"/.exec(ALERTS_SELECTOR)?.[1] ?? '';
    for (const alert of alertNames) expect(new RegExp(`^(?:${pattern})$`).test(alert), alert).toBe(true);
    expect(dashboard.panels.map((panel) => panel.title)).toEqual([
      'Which node holds each VIP',
      'VRRP transitions per hour',
      'Active alerts',
      'Check success per node',
      'Check duration',
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
    expect(container.image).toBe(named(podSpecOf(deployment).containers, DEFAULT_CONTAINER).image);
    expect(container.env).toEqual([
      ...seedEnv(),
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(container.command).toEqual(
      removalCommand(IMAGE_REMOVAL_SCRIPT, expandVirtualIps('1.2.3.4-6,1.2.3.9')),
    );
    expect(container.command?.slice(-4)).toEqual(['1.2.3.4', '1.2.3.5', '1.2.3.6', '1.2.3.9']);
  });
});

describe('the README', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Install on OpenShift'));

  it('installs in at most 5 commands', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThanOrEqual(5);
    expect(block).toContain('--from-deployment');
  });

  it('shows the patch as oc commands exactly as ipft package writes them (install-with-oc.sh)', () => {
    const block = /<!-- oc-commands:begin[^>]*-->\n```sh\n([\s\S]*?)```\n<!-- oc-commands:end -->/.exec(
      readme,
    )?.[1];
    expect(block).toBe(
      ocCommands({
        deployment: DEFAULT_DEPLOYMENT,
        container: DEFAULT_CONTAINER,
        namespace: undefined,
        check: 'tcp-check',
        nodeImage: DEFAULT_NODE_IMAGE,
      }),
    );
    expect(readFileSync(join('dist/deploy', PACKAGE_FILES.ocCommands), 'utf8')).toContain(block);
  });

  it('states the Node.js image and its tag', () => {
    expect(section).toContain(DEFAULT_NODE_IMAGE);
  });
});

describe('ipft package: bad input', () => {
  it.each([
    [
      ['--check', 'nope'],
      2,
      /^ipft package: --check: expected one of (\S+, )*http-check, tcp-check \(the bundles in dist\/checks\), got "nope"\n$/,
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
