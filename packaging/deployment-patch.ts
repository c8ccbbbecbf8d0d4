/**
 * The change to an existing ipfailover Deployment, as a strategic merge patch (kustomize's `patches`,
 * or `oc patch --type=strategic`), and the patch that takes it out again. Pure: options in, objects out.
 *
 * Prober mode (the default):
 * - keepalived container: the scripts ConfigMap (verdict.sh, notify.sh; mode 0755: keepalived disables
 *   a check it cannot execute) at /etc/ipfailover-toolkit, the state emptyDir,
 *   OPENSHIFT_HA_CHECK_SCRIPT="/etc/ipfailover-toolkit/verdict.sh <checks>", OPENSHIFT_HA_NOTIFY_SCRIPT,
 *   IPF_PROBER_PORT and IPF_POD_UID. No Node.js, no runtime.
 * - the prober `ipft-prober`: a native sidecar (an init container with restartPolicy Always and a
 *   startup probe, so that it answers before keepalived's first check) or, with `--sidecar regular`,
 *   an ordinary container; the UBI Node.js image, prober.js from its own ConfigMap, the check settings
 *   by envFrom from the settings ConfigMap, the deployment's OPENSHIFT_HA_* env, exec probes that need
 *   a real answer, resources, a read-only root, unprivileged.
 *
 * One-shot mode:
 * - keepalived container: the scripts ConfigMap (every check with its wrapper), the node runtime
 *   read-only, the state emptyDir, OPENSHIFT_HA_CHECK_SCRIPT pointing at the check's wrapper.
 * - init container: copies node from the UBI Node.js image into the runtime emptyDir.
 *
 * Both: the exporter sidecar on the same UBI image: the exporter bundle from its ConfigMap, the state
 * emptyDir, the deployment's OPENSHIFT_HA_* env (a strategic merge cannot copy env between
 * containers, so the packager copies it from the manifest it is given), NODE_NAME, probes, resources,
 * a read-only root file system, unprivileged. And each patch takes out the other mode's (and the other
 * sidecar kind's) parts, so that `oc patch` alone switches.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ConfigMapNames } from './configmaps.ts';
import {
  DEPLOYMENT_LABEL,
  EXPORTER_BUNDLE,
  type Mode,
  NOTIFY_SCRIPT,
  names,
  PROBER_BUNDLE,
  paths,
  REPLACED_ENV_ANNOTATION,
  REPLACED_STRATEGY_ANNOTATION,
  RUNTIME_INSTALLER,
  SCRIPT_VARIABLES,
  SETTINGS_CONFIGMAP,
  type Sidecar,
  type ToolkitPorts,
  VERDICT_SCRIPT,
} from './layout.ts';

export type ScriptVariable = (typeof SCRIPT_VARIABLES)[number];
/**
 * What the Deployment had before the toolkit: a value, or undefined for unset. The script variables,
 * and in prober mode the check settings the patch takes off the keepalived container.
 */
export type ReplacedScripts = Readonly<Partial<Record<string, string>>>;

export interface PatchOptions {
  readonly deployment: string;
  /** The keepalived container's name (the one that sets OPENSHIFT_HA_VIRTUAL_IPS). */
  readonly container: string;
  readonly mode: Mode;
  /** Prober mode: how the prober runs. */
  readonly sidecar: Sidecar;
  /** The checks keepalived runs: one wrapper name (one-shot), or the checks verdict.sh asks for (prober). */
  readonly checks: readonly string[];
  readonly nodeImage: string;
  readonly ports: ToolkitPorts;
  readonly configMaps: ConfigMapNames;
  /** The deployment's image variables, for the exporter and the prober (empty when no manifest was given). */
  readonly imageEnv: readonly IEnvVar[];
  /** Recorded on the Deployment for the uninstall patch; undefined when the Deployment is not known. */
  readonly replaced: ReplacedScripts | undefined;
  /** Prober mode: check settings found on the keepalived container, which the patch takes off it. */
  readonly movedSettings?: readonly string[];
  /** The strategy the Deployment had before the toolkit, recorded for the uninstall patch; undefined when not known. */
  readonly replacedStrategy?: RolloutStrategy | undefined;
}

/** A Deployment's spec.strategy, with Kubernetes' defaults filled in (see strategyOf). */
export type RolloutStrategy =
  | { readonly type: 'Recreate' }
  | {
      readonly type: 'RollingUpdate';
      readonly rollingUpdate: {
        readonly maxSurge: number | string;
        readonly maxUnavailable: number | string;
      };
    };

/**
 * The strategy the patch sets. The pods use hostNetwork and declare their ports (hostPort is the
 * containerPort), so a surge pod fits on no node that runs one: maxSurge 0. maxUnavailable 1: the
 * controller replaces one pod, so one node, at a time, and a new pod that cannot start stalls the
 * rollout with that one node out while the other nodes keep serving the VIPs.
 *
 * Applied two ways, and valid for both. kustomize (the kustomization's patch, then
 * `oc apply --server-side`) and `oc patch --type=strategic` (install-with-oc.sh) merge `strategy` as a
 * map, key by key: the API server's `retainKeys` strategy for it only acts on a `$retainKeys` directive,
 * which a hand-written patch does not carry and kustomize does not know. So a patch must not rely on
 * keys going away. Here nothing has to: the Recreate the docs' Deployment has is `{type: Recreate}`
 * alone (the API server refuses `rollingUpdate` with Recreate), and over an earlier RollingUpdate both
 * of `rollingUpdate`'s fields are given. The other way, back to Recreate (restoreStrategy), is where a
 * stale `rollingUpdate` would be left: that patch deletes it with `rollingUpdate: null`, which both
 * paths (and strategic-merge.ts) read as a deletion.
 */
export const ROLLOUT_STRATEGY: RolloutStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
};

/** The strategy the API server stores for this spec.strategy: RollingUpdate 25 %/25 % where unset. */
export function strategyOf(value: unknown): RolloutStrategy {
  const strategy = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (strategy.type === 'Recreate') return { type: 'Recreate' };
  const rolling =
    typeof strategy.rollingUpdate === 'object' && strategy.rollingUpdate !== null
      ? (strategy.rollingUpdate as Record<string, unknown>)
      : {};
  const intOrPercent = (field: unknown) =>
    typeof field === 'number' || typeof field === 'string' ? field : '25%';
  return {
    type: 'RollingUpdate',
    rollingUpdate: {
      maxSurge: intOrPercent(rolling.maxSurge),
      maxUnavailable: intOrPercent(rolling.maxUnavailable),
    },
  };
}

/**
 * The patch's strategy to put `strategy` back: Recreate with `rollingUpdate: null`, so that the
 * RollingUpdate fields the install set go (the API server refuses them with Recreate; see
 * ROLLOUT_STRATEGY); a RollingUpdate with both its fields.
 */
export function restoreStrategy(strategy: RolloutStrategy): Record<string, unknown> {
  return strategy.type === 'Recreate'
    ? { type: 'Recreate', rollingUpdate: null }
    : { type: 'RollingUpdate', rollingUpdate: { ...strategy.rollingUpdate } };
}

/** Where the strategy before the toolkit is not known: the product docs' Deployment has Recreate. */
export const DOCS_STRATEGY: RolloutStrategy = { type: 'Recreate' };

/** A Deployment-shaped strategic merge patch (not a full object: no selector, no image for the keepalived container). */
export interface DeploymentPatch {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string | null> };
  readonly spec: {
    readonly strategy?: Record<string, unknown>;
    readonly template: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  };
}

export function scriptValues(mode: Mode, checks: readonly string[]): Record<ScriptVariable, string> {
  return {
    OPENSHIFT_HA_CHECK_SCRIPT:
      mode === 'prober'
        ? `${paths.scripts}/${VERDICT_SCRIPT} ${checks.join(',')}`
        : `${paths.scripts}/${checks.join(',')}`,
    OPENSHIFT_HA_NOTIFY_SCRIPT: `${paths.scripts}/${NOTIFY_SCRIPT}`,
  };
}

const podUid: IEnvVar = { name: 'IPF_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } };
const nodeName: IEnvVar = { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };

/** The literal env the patch sets in the keepalived container (the oc commands set it with `oc set env`). */
export function keepalivedLiteralEnv(mode: Mode, checks: readonly string[], ports: ToolkitPorts): IEnvVar[] {
  return [
    ...Object.entries(scriptValues(mode, checks)).map(([name, value]) => ({ name, value })),
    { name: 'IPF_STATE_DIR', value: paths.state },
    ...(mode === 'prober' ? [{ name: 'IPF_PROBER_PORT', value: String(ports.prober) }] : []),
  ];
}

/** The env the patch sets in the keepalived container. */
export function keepalivedEnv(mode: Mode, checks: readonly string[], ports: ToolkitPorts): IEnvVar[] {
  return [...keepalivedLiteralEnv(mode, checks, ports), ...(mode === 'prober' ? [podUid] : [])];
}

export function keepalivedMounts(mode: Mode): IVolumeMount[] {
  return [
    { name: names.scriptsVolume, mountPath: paths.scripts, readOnly: true },
    ...(mode === 'oneshot' ? [{ name: names.runtimeVolume, mountPath: paths.runtime, readOnly: true }] : []),
    { name: names.stateVolume, mountPath: paths.state },
  ];
}

export function toolkitVolumes(mode: Mode, configMaps: ConfigMapNames): IVolume[] {
  return [
    // 493 is 0755: keepalived disables a check or notify script it cannot execute.
    { name: names.scriptsVolume, configMap: { name: configMaps.scripts, defaultMode: 493 } },
    { name: names.exporterVolume, configMap: { name: configMaps.exporter, defaultMode: 0o444 } },
    ...(mode === 'prober'
      ? [{ name: names.proberVolume, configMap: { name: configMaps.prober ?? '', defaultMode: 0o444 } }]
      : [{ name: names.runtimeVolume, emptyDir: {} }]),
    { name: names.stateVolume, emptyDir: {} },
  ];
}

/** Every volume either mode adds: the uninstall patch removes them by these names, whatever the ConfigMaps' hashes. */
export const TOOLKIT_VOLUME_NAMES = [
  names.scriptsVolume,
  names.exporterVolume,
  names.proberVolume,
  names.runtimeVolume,
  names.stateVolume,
] as const;

/** No toolkit container needs privileges, a writable root or a shell: the keepalived container keeps its own. */
function unprivileged(): ISecurityContext {
  return {
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

export function runtimeInitContainer(nodeImage: string): IContainer {
  return {
    name: names.runtimeInitContainer,
    image: nodeImage,
    command: ['/bin/bash', `${paths.scripts}/${RUNTIME_INSTALLER}`, paths.runtime],
    volumeMounts: [
      { name: names.scriptsVolume, mountPath: paths.scripts, readOnly: true },
      { name: names.runtimeVolume, mountPath: paths.runtime },
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    securityContext: unprivileged(),
  };
}

export function exporterContainer(nodeImage: string, imageEnv: readonly IEnvVar[], port: number): IContainer {
  const probe = (path: string) => ({
    httpGet: { path, port: names.metricsPort },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    name: names.exporterContainer,
    image: nodeImage,
    command: ['node', `${paths.exporter}/${EXPORTER_BUNDLE}`],
    env: [
      ...imageEnv.map((variable) => ({ ...variable })),
      { name: 'IPF_STATE_DIR', value: paths.state },
      { name: 'IPF_EXPORTER_PORT', value: String(port) },
      { ...nodeName },
    ],
    // hostNetwork: the port is the node's (hostPort defaults to it); the ports rule is in layout.ts.
    ports: [{ name: names.metricsPort, containerPort: port, protocol: 'TCP' }],
    livenessProbe: { ...probe('/healthz'), initialDelaySeconds: 5 },
    readinessProbe: probe('/readyz'),
    // Measured: about 58 MiB resident after start and a few scrapes.
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '192Mi' } },
    volumeMounts: [
      { name: names.exporterVolume, mountPath: paths.exporter, readOnly: true },
      { name: names.stateVolume, mountPath: paths.state },
    ],
    securityContext: unprivileged(),
  };
}

/**
 * The prober's memory, measured (`node --max-old-space-size=64 prober.js`, VmRSS): 45 MiB after start;
 * 50-54 MiB with tcp-check and 55-61 MiB with http-check after 500 requests at a check's pace; a plateau
 * at 97 MiB under 24,000 back-to-back tcp-check and http-check probes (bench/prober.ts: 94 MiB after
 * 4000). Each exec probe is one more node in the container's cgroup, 42 MiB at its peak. The limit
 * covers the plateau and a probe with 50 MiB to spare; the old space is bounded below it, so that a
 * leak ends in V8's own out-of-memory exit (a restart the kubelet counts) rather than the cgroup's
 * OOM kill.
 */
export const PROBER_RESOURCES = {
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '192Mi' },
} as const;
export const PROBER_OLD_SPACE_MIB = 64;

/**
 * The all-zero pod UID: no pod has it, so the prober refuses the request at once, without probing
 * anything (`refused this prober serves another pod`), and the refusal is the proof of life.
 */
export const PROBE_REQUEST = 'ipft2 00000000-0000-0000-0000-000000000000 tcp-check 1 1';
/** How long the probe waits for the prober's whole answer line, in ms; timeoutSeconds is above it. */
export const PROBE_REPLY_MS = 2000;

/**
 * The exec probe's script, `node -e` in the prober's own image (which has node; verdict.sh is the
 * keepalived container's). A tcpSocket probe would pass a hung prober, because the kernel completes
 * the handshake; this one exits 0 only when a whole `refused …` or `ready …` line arrives in time.
 * About 45 ms of CPU and 42 MiB at its peak per run.
 */
export function proberProbeScript(port: number): string {
  return [
    `const s=require('net').connect(${port},'127.0.0.1');let b='';`,
    `setTimeout(()=>process.exit(1),${PROBE_REPLY_MS}).unref();s.setEncoding('latin1');`,
    `s.on('connect',()=>s.write('${PROBE_REQUEST}\\n'));`,
    `s.on('data',(d)=>{b+=d;if(/^(refused|ready) [^\\n]*\\n/.test(b))process.exit(0);if(b.length>256)process.exit(1);});`,
    `s.on('error',()=>process.exit(1));s.on('end',()=>process.exit(1));`,
  ].join('');
}

function proberProbe(port: number): { startupProbe: IProbe; livenessProbe: IProbe } {
  const exec = { command: ['node', '-e', proberProbeScript(port)] };
  return {
    // Every second until it answers, for up to a minute: keepalived starts once it has.
    startupProbe: { exec, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 60 },
    // A node start per run: every 10 s is about 0.5 % of a core.
    livenessProbe: { exec, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

export function proberContainer(
  nodeImage: string,
  imageEnv: readonly IEnvVar[],
  port: number,
  sidecar: Sidecar,
): IContainer {
  return {
    name: names.proberContainer,
    image: nodeImage,
    command: ['node', `--max-old-space-size=${PROBER_OLD_SPACE_MIB}`, `${paths.prober}/${PROBER_BUNDLE}`],
    // The native sidecar: started before the containers, stopped after them, restarted on its own.
    ...(sidecar === 'native' ? { restartPolicy: 'Always' } : {}),
    // The check settings: IPF_CHECKS and what the administrator adds (IPF_HTTP_*, IPF_TCP_*, IPF_EXTERNALIP_*).
    envFrom: [{ configMapRef: { name: SETTINGS_CONFIGMAP } }],
    env: [
      ...imageEnv.map((variable) => ({ ...variable })),
      { name: 'IPF_STATE_DIR', value: paths.state },
      { name: 'IPF_PROBER_PORT', value: String(port) },
      podUid,
      // The Node it reads with IPF_MAINTENANCE_LABEL or IPF_FOLLOW_CORDON (checks/prober/maintenance.ts).
      nodeName,
    ],
    // Bound on 127.0.0.1 only; declared so that the scheduler keeps another pod that declares it off the node.
    ports: [{ name: names.proberPort, containerPort: port, protocol: 'TCP' }],
    ...proberProbe(port),
    resources: {
      requests: { ...PROBER_RESOURCES.requests },
      limits: { ...PROBER_RESOURCES.limits },
    },
    volumeMounts: [
      { name: names.proberVolume, mountPath: paths.prober, readOnly: true },
      { name: names.stateVolume, mountPath: paths.state },
    ],
    securityContext: unprivileged(),
  };
}

const remove = (key: string, value: string) => ({ [key]: value, $patch: 'delete' });

/** The keepalived container's part of the patch. */
function keepalivedPatch(options: PatchOptions): Record<string, unknown> {
  return {
    name: options.container,
    env: keepalivedEnv(options.mode, options.checks, options.ports),
    volumeMounts: keepalivedMounts(options.mode),
  };
}

/** The pod template the patch merges in: validated as a PodTemplateSpec, before the delete directives are added. */
export function patchTemplate(options: PatchOptions): {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
} {
  const exporter = exporterContainer(options.nodeImage, options.imageEnv, options.ports.exporter);
  const prober =
    options.mode === 'prober'
      ? proberContainer(options.nodeImage, options.imageEnv, options.ports.prober, options.sidecar)
      : undefined;
  const initContainers =
    options.mode === 'oneshot'
      ? [runtimeInitContainer(options.nodeImage)]
      : prober && options.sidecar === 'native'
        ? [prober]
        : [];
  const template = {
    metadata: { labels: { [DEPLOYMENT_LABEL]: options.deployment } },
    spec: {
      ...(initContainers.length > 0 ? { initContainers } : {}),
      // The keepalived container first, so that it stays the first container that sets OPENSHIFT_HA_VIRTUAL_IPS.
      containers: [
        keepalivedPatch(options),
        exporter,
        ...(prober && options.sidecar === 'regular' ? [prober] : []),
      ],
      volumes: toolkitVolumes(options.mode, options.configMaps),
    },
  };
  new PodTemplateSpec(template as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
  return template;
}

/**
 * The delete directives that take out what the other mode, or the other sidecar kind, added: a
 * directive whose element is absent changes nothing, so the patch is the same for a fresh Deployment
 * and for one that ran the other way.
 */
function otherModeDirectives(options: PatchOptions) {
  const prober = options.mode === 'prober';
  return {
    initContainers: [
      ...(prober ? [remove('name', names.runtimeInitContainer)] : []),
      ...(prober && options.sidecar === 'native' ? [] : [remove('name', names.proberContainer)]),
    ],
    containers: [...(prober && options.sidecar === 'regular' ? [] : [remove('name', names.proberContainer)])],
    keepalivedEnv: [
      ...(prober ? [] : [remove('name', 'IPF_PROBER_PORT'), remove('name', 'IPF_POD_UID')]),
      // verdict.sh fails every run while check settings are on its container: they go to the settings ConfigMap.
      ...(prober ? (options.movedSettings ?? []).map((name) => remove('name', name)) : []),
    ],
    keepalivedMounts: prober ? [remove('mountPath', paths.runtime)] : [],
    volumes: [remove('name', prober ? names.runtimeVolume : names.proberVolume)],
  };
}

/** The template with the other mode's delete directives merged into its lists. */
export function templateWithDirectives(options: PatchOptions) {
  const template = patchTemplate(options);
  const directives = otherModeDirectives(options);
  const spec = template.spec as {
    initContainers?: unknown[];
    containers: Record<string, unknown>[];
    volumes: unknown[];
  };
  const [keepalived, ...others] = spec.containers;
  const initContainers = [...(spec.initContainers ?? []), ...directives.initContainers];
  return {
    metadata: template.metadata,
    spec: {
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [
        {
          ...keepalived,
          env: [...((keepalived?.env as unknown[]) ?? []), ...directives.keepalivedEnv],
          volumeMounts: [...((keepalived?.volumeMounts as unknown[]) ?? []), ...directives.keepalivedMounts],
        },
        ...others,
        ...directives.containers,
      ],
      volumes: [...spec.volumes, ...directives.volumes],
    },
  };
}

/** The annotations the patch records for the uninstall patch: the replaced scripts, the strategy before. */
export function recordAnnotations(options: PatchOptions): Record<string, string> {
  return {
    ...(options.replaced ? { [REPLACED_ENV_ANNOTATION]: JSON.stringify(options.replaced) } : {}),
    ...(options.replacedStrategy
      ? { [REPLACED_STRATEGY_ANNOTATION]: JSON.stringify(options.replacedStrategy) }
      : {}),
  };
}

export function deploymentPatch(options: PatchOptions): DeploymentPatch {
  const annotations = recordAnnotations(options);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: options.deployment,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      strategy: restoreStrategy(ROLLOUT_STRATEGY),
      template: templateWithDirectives(options),
    },
  };
}

/**
 * The reverse, for either mode and either sidecar kind: removes every container, volume, mount, env
 * entry, label and annotation a patch added (volumes by their names, which the ConfigMaps' hashes do
 * not change), and puts the check and notify scripts, and any check settings moved off the keepalived
 * container, back as they were (the scripts unset when unknown, which is the image's own TCP check and
 * no notify), and the strategy the Deployment had (Recreate, the docs' own, when not known).
 * `oc patch --type=strategic` takes it as it is.
 */
export function uninstallPatch(
  deployment: string,
  container: string,
  replaced: ReplacedScripts | undefined,
  strategy: RolloutStrategy | undefined,
): DeploymentPatch {
  const restored = SCRIPT_VARIABLES.map((name) => {
    const value = replaced?.[name];
    return value === undefined ? remove('name', name) : { name, value };
  });
  const settings = Object.entries(replaced ?? {})
    .filter(([name, value]) => !(SCRIPT_VARIABLES as readonly string[]).includes(name) && value !== undefined)
    .map(([name, value]) => ({ name, value }));
  const mountPaths = [paths.scripts, paths.runtime, paths.state];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deployment,
      annotations: { [REPLACED_ENV_ANNOTATION]: null, [REPLACED_STRATEGY_ANNOTATION]: null },
    },
    spec: {
      strategy: restoreStrategy(strategy ?? DOCS_STRATEGY),
      template: {
        metadata: { labels: { [DEPLOYMENT_LABEL]: null } },
        spec: {
          initContainers: [remove('name', names.runtimeInitContainer), remove('name', names.proberContainer)],
          containers: [
            {
              name: container,
              env: [
                ...restored,
                ...settings,
                ...['IPF_STATE_DIR', 'IPF_PROBER_PORT', 'IPF_POD_UID'].map((name) => remove('name', name)),
              ],
              volumeMounts: mountPaths.map((mountPath) => remove('mountPath', mountPath)),
            },
            remove('name', names.exporterContainer),
            remove('name', names.proberContainer),
          ],
          volumes: TOOLKIT_VOLUME_NAMES.map((name) => remove('name', name)),
        },
      },
    },
  };
}
