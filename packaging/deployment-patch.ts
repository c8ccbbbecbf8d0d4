/**
 * The change to the original ipfailover Deployment, as a strategic merge patch (kustomize's `patches`).
 * Pure: options in, objects out. The patch is only ever applied to the original, never to a Deployment
 * an earlier package changed, so it carries no directive to take out another mode's parts.
 *
 * Prober mode (the default):
 * - keepalived container: the scripts ConfigMap (verdict.sh, notify.sh; mode 0755: keepalived disables
 *   a check it cannot execute) at /etc/ipfailover-toolkit, the state emptyDir,
 *   OPENSHIFT_HA_CHECK_SCRIPT="/etc/ipfailover-toolkit/verdict.sh <checks>", OPENSHIFT_HA_NOTIFY_SCRIPT,
 *   IPF_PROBER_PORT and IPF_POD_UID. No Node.js, no runtime.
 * - the prober `ipft-prober`: a native sidecar (an init container with restartPolicy Always and a
 *   startup probe, so that it answers before keepalived's first check) or, with `--sidecar regular`,
 *   an ordinary container; the UBI Node.js image, prober.js from its own ConfigMap, the settings
 *   ConfigMap (settings.env) by envFrom, the deployment's OPENSHIFT_HA_* env, exec probes that need a
 *   real answer, resources, a read-only root, unprivileged.
 *
 * One-shot mode:
 * - keepalived container: the scripts ConfigMap (every check with its wrapper), the node runtime
 *   read-only, the state emptyDir, OPENSHIFT_HA_CHECK_SCRIPT pointing at the check's wrapper, and the
 *   settings ConfigMap by envFrom, since the check runs there.
 * - init container: copies node from the UBI Node.js image into the runtime emptyDir.
 *
 * Both: the exporter sidecar on the same UBI image: the exporter bundle from its ConfigMap, the state
 * emptyDir, the deployment's OPENSHIFT_HA_* env (a strategic merge cannot copy env between
 * containers, so the packager copies it from the manifest it is given), NODE_NAME, probes, resources,
 * a read-only root file system, unprivileged. The keepalived container's settings that another
 * container reads leave it (packaging/source-deployment.ts places them).
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvFromSource } from 'kubernetes-models/v1/EnvFromSource';
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
  RUNTIME_INSTALLER,
  SETTINGS_CONFIGMAP,
  type Sidecar,
  type ToolkitPorts,
  VERDICT_SCRIPT,
} from './layout.ts';

interface PatchOptions {
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
  /** The deployment's image variables, for the exporter and the prober. */
  readonly imageEnv: readonly IEnvVar[];
  /** Settings that leave the keepalived container: for settings.env, or for the exporter. */
  readonly movedOff: readonly string[];
  /** Exporter settings found on the keepalived container, which the exporter gets. */
  readonly exporterEnv: readonly IEnvVar[];
  /** One-shot mode: the keepalived container's own envFrom, which the patch's list replaces (it has no merge key). */
  readonly keepalivedEnvFrom: readonly IEnvFromSource[];
}

/**
 * The strategy the patch sets. The pods use hostNetwork and declare their ports (hostPort is the
 * containerPort), so a surge pod fits on no node that runs one: maxSurge 0. maxUnavailable 1: the
 * controller replaces one pod, so one node, at a time, and a new pod that cannot start stalls the
 * rollout with that one node out while the other nodes keep serving the VIPs. Both of rollingUpdate's
 * fields are given, so nothing of a strategy the Deployment had is left to merge with them.
 */
const ROLLOUT_STRATEGY = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
} as const;

/** A Deployment-shaped strategic merge patch (not a full object: no selector, no image for the keepalived container). */
export interface DeploymentPatch {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly strategy: typeof ROLLOUT_STRATEGY;
    readonly template: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  };
}

export function scriptValues(mode: Mode, checks: readonly string[]): Record<string, string> {
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
const settingsFrom: IEnvFromSource = { configMapRef: { name: SETTINGS_CONFIGMAP } };

/** The env the patch sets in the keepalived container. */
export function keepalivedEnv(mode: Mode, checks: readonly string[], ports: ToolkitPorts): IEnvVar[] {
  return [
    ...Object.entries(scriptValues(mode, checks)).map(([name, value]) => ({ name, value })),
    { name: 'IPF_STATE_DIR', value: paths.state },
    ...(mode === 'prober' ? [{ name: 'IPF_PROBER_PORT', value: String(ports.prober) }, podUid] : []),
  ];
}

function keepalivedMounts(mode: Mode): IVolumeMount[] {
  return [
    { name: names.scriptsVolume, mountPath: paths.scripts, readOnly: true },
    ...(mode === 'oneshot' ? [{ name: names.runtimeVolume, mountPath: paths.runtime, readOnly: true }] : []),
    { name: names.stateVolume, mountPath: paths.state },
  ];
}

function toolkitVolumes(mode: Mode, configMaps: ConfigMapNames): IVolume[] {
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

export function exporterContainer(
  nodeImage: string,
  imageEnv: readonly IEnvVar[],
  port: number,
  settings: readonly IEnvVar[] = [],
): IContainer {
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
      ...settings.map((variable) => ({ ...variable })),
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
const PROBE_REQUEST = 'ipft2 00000000-0000-0000-0000-000000000000 tcp-check 1 1';
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
  checks: readonly string[],
): IContainer {
  return {
    name: names.proberContainer,
    image: nodeImage,
    command: ['node', `--max-old-space-size=${PROBER_OLD_SPACE_MIB}`, `${paths.prober}/${PROBER_BUNDLE}`],
    // The native sidecar: started before the containers, stopped after them, restarted on its own.
    ...(sidecar === 'native' ? { restartPolicy: 'Always' } : {}),
    // The administrator's settings.env; env wins over envFrom, so IPF_CHECKS stays the packager's.
    envFrom: [settingsFrom],
    env: [
      ...imageEnv.map((variable) => ({ ...variable })),
      { name: 'IPF_CHECKS', value: checks.join(',') },
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

const remove = (name: string) => ({ name, $patch: 'delete' });

/** The keepalived container's part of the patch, with the delete directives of the settings that leave it. */
function keepalivedPatch(options: PatchOptions): Record<string, unknown> {
  return {
    name: options.container,
    env: [...keepalivedEnv(options.mode, options.checks, options.ports), ...options.movedOff.map(remove)],
    ...(options.mode === 'oneshot' ? { envFrom: [...options.keepalivedEnvFrom, settingsFrom] } : {}),
    volumeMounts: keepalivedMounts(options.mode),
  };
}

export function deploymentPatch(options: PatchOptions): DeploymentPatch {
  const exporter = exporterContainer(
    options.nodeImage,
    options.imageEnv,
    options.ports.exporter,
    options.exporterEnv,
  );
  const prober =
    options.mode === 'prober'
      ? proberContainer(
          options.nodeImage,
          options.imageEnv,
          options.ports.prober,
          options.sidecar,
          options.checks,
        )
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
        keepalivedPatch({ ...options, movedOff: [] }) as { name: string },
        exporter,
        ...(prober && options.sidecar === 'regular' ? [prober] : []),
      ],
      volumes: toolkitVolumes(options.mode, options.configMaps),
    },
  };
  // Validated before the delete directives go in, which no schema knows.
  new PodTemplateSpec(template as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
  template.spec.containers[0] = keepalivedPatch(options) as { name: string };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.deployment },
    spec: { strategy: ROLLOUT_STRATEGY, template },
  };
}
