/**
 * The change to an existing ipfailover Deployment, as a strategic merge patch (kustomize's `patches`,
 * or `oc patch --type=strategic`), and the patch that takes it out again. Pure: options in, objects out.
 *
 * - keepalived container: the scripts ConfigMap at /etc/ipfailover-toolkit (mode 0755: keepalived
 *   disables a check it cannot execute), the node runtime read-only, the state emptyDir, and
 *   OPENSHIFT_HA_CHECK_SCRIPT / OPENSHIFT_HA_NOTIFY_SCRIPT pointing at the check's wrapper and notify.sh.
 * - init container: copies node from the UBI Node.js image into the runtime emptyDir.
 * - exporter sidecar on the same UBI image: the exporter bundle from its ConfigMap, the state emptyDir,
 *   the deployment's OPENSHIFT_HA_* env (a strategic merge cannot copy env between containers, so the
 *   packager copies it from the manifest it is given), NODE_NAME, probes, resources, a read-only root
 *   file system, unprivileged.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import {
  DEPLOYMENT_LABEL,
  EXPORTER_BUNDLE,
  EXPORTER_CONFIGMAP,
  EXPORTER_PORT,
  NOTIFY_SCRIPT,
  names,
  paths,
  REPLACED_ENV_ANNOTATION,
  RUNTIME_INSTALLER,
  SCRIPT_VARIABLES,
  SCRIPTS_CONFIGMAP,
} from './layout.ts';

export type ScriptVariable = (typeof SCRIPT_VARIABLES)[number];
/** What the Deployment had before the toolkit: a value, or undefined for unset. */
export type ReplacedScripts = Readonly<Partial<Record<ScriptVariable, string>>>;

export interface PatchOptions {
  readonly deployment: string;
  /** The keepalived container's name (the one that sets OPENSHIFT_HA_VIRTUAL_IPS). */
  readonly container: string;
  /** The check keepalived runs: a wrapper name such as tcp-check. */
  readonly check: string;
  readonly nodeImage: string;
  /** The deployment's image variables, for the exporter (empty when no manifest was given). */
  readonly imageEnv: readonly IEnvVar[];
  /** Recorded on the Deployment for the uninstall patch; undefined when the Deployment is not known. */
  readonly replaced: ReplacedScripts | undefined;
}

/** A Deployment-shaped strategic merge patch (not a full object: no selector, no image for the keepalived container). */
export interface DeploymentPatch {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string | null> };
  readonly spec: { readonly template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } };
}

export function scriptValues(check: string): Record<ScriptVariable, string> {
  return {
    OPENSHIFT_HA_CHECK_SCRIPT: `${paths.scripts}/${check}`,
    OPENSHIFT_HA_NOTIFY_SCRIPT: `${paths.scripts}/${NOTIFY_SCRIPT}`,
  };
}

/** The env the patch sets in the keepalived container. */
export function keepalivedEnv(check: string): IEnvVar[] {
  return [
    ...Object.entries(scriptValues(check)).map(([name, value]) => ({ name, value })),
    { name: 'IPF_STATE_DIR', value: paths.state },
  ];
}

export function keepalivedMounts(): IVolumeMount[] {
  return [
    { name: names.scriptsVolume, mountPath: paths.scripts, readOnly: true },
    { name: names.runtimeVolume, mountPath: paths.runtime, readOnly: true },
    { name: names.stateVolume, mountPath: paths.state },
  ];
}

export function toolkitVolumes(): IVolume[] {
  return [
    // 493 is 0755: keepalived disables a check or notify script it cannot execute.
    { name: names.scriptsVolume, configMap: { name: SCRIPTS_CONFIGMAP, defaultMode: 493 } },
    { name: names.exporterVolume, configMap: { name: EXPORTER_CONFIGMAP, defaultMode: 0o444 } },
    { name: names.runtimeVolume, emptyDir: {} },
    { name: names.stateVolume, emptyDir: {} },
  ];
}

/** Neither toolkit container needs privileges, a writable root or a shell: the keepalived container keeps its own. */
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

export function exporterContainer(nodeImage: string, imageEnv: readonly IEnvVar[]): IContainer {
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
      { name: 'IPF_EXPORTER_PORT', value: String(EXPORTER_PORT) },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ],
    // hostNetwork: the port is the node's (hostPort defaults to it); 9871 is explained in exporter/settings.ts.
    ports: [{ name: names.metricsPort, containerPort: EXPORTER_PORT, protocol: 'TCP' }],
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

export function deploymentPatch(options: PatchOptions): DeploymentPatch {
  const template = {
    metadata: { labels: { [DEPLOYMENT_LABEL]: options.deployment } },
    spec: {
      initContainers: [runtimeInitContainer(options.nodeImage)],
      // The keepalived container first, so that it stays the first container that sets OPENSHIFT_HA_VIRTUAL_IPS.
      containers: [
        { name: options.container, env: keepalivedEnv(options.check), volumeMounts: keepalivedMounts() },
        exporterContainer(options.nodeImage, options.imageEnv),
      ],
      volumes: toolkitVolumes(),
    },
  };
  new PodTemplateSpec(template as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: options.deployment,
      ...(options.replaced
        ? { annotations: { [REPLACED_ENV_ANNOTATION]: JSON.stringify(options.replaced) } }
        : {}),
    },
    spec: { template },
  };
}

/**
 * The reverse: removes every container, volume, mount, env entry, label and annotation the patch added,
 * and puts the check and notify scripts back as they were (unset when unknown, which is the image's own
 * TCP check and no notify). `oc patch --type=strategic` takes it as it is.
 */
export function uninstallPatch(
  deployment: string,
  container: string,
  replaced: ReplacedScripts | undefined,
): DeploymentPatch {
  const remove = (key: string, value: string) => ({ [key]: value, $patch: 'delete' });
  const restored = SCRIPT_VARIABLES.map((name) => {
    const value = replaced?.[name];
    return value === undefined ? remove('name', name) : { name, value };
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deployment, annotations: { [REPLACED_ENV_ANNOTATION]: null } },
    spec: {
      template: {
        metadata: { labels: { [DEPLOYMENT_LABEL]: null } },
        spec: {
          initContainers: [remove('name', names.runtimeInitContainer)],
          containers: [
            {
              name: container,
              env: [...restored, remove('name', 'IPF_STATE_DIR')],
              volumeMounts: keepalivedMounts().map((mount) => remove('mountPath', mount.mountPath)),
            },
            remove('name', names.exporterContainer),
          ],
          volumes: toolkitVolumes().map((volume) => remove('name', volume.name)),
        },
      },
    },
  };
}
