/**
 * A removal Job that really removes. The documented one sets no env, no hostNetwork and no privileged
 * mode: the image's remove-failover.sh then has no VIP list and no firewall switch, works in the pod's own
 * network namespace, and removes nothing. This one runs the same script with what it needs, on every node:
 *
 * - the Deployment's image, OPENSHIFT_HA_* env, service account (which has the privileged SCC),
 *   nodeSelector, node affinity, tolerations and pull secrets; hostNetwork; privileged; /lib/modules;
 * - one pod per node: completions = parallelism = replicas, all created at once, and a required pod
 *   anti-affinity on kubernetes.io/hostname among them; restartPolicy OnFailure retries on the same node;
 * - after the image's script (which deletes each VIP as addr/32 on the one interface it detects, so IPv6
 *   VIPs stay), every VIP still on any interface is deleted with its real prefix; the pod fails if one remains.
 *
 * It does not delete Kubernetes objects: the ipfailover image has no `oc`, and giving a privileged
 * hostNetwork pod a service account that may delete Deployments, ConfigMaps and cluster RBAC would be a
 * far larger grant than the task needs. The README's uninstall runs those `oc delete` lines.
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { readImageSettings } from '../core/ipfailover/image-env.ts';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { toolkitLabels } from './layout.ts';
import { filledFragment, type ShellTemplates } from './shell-templates.ts';
import type { SourceDeployment } from './source-deployment.ts';

/** Where the ipfailover image keeps its own removal script (ipfailover/keepalived/remove-failover.sh). */
export const IMAGE_REMOVAL_SCRIPT = '/var/lib/ipfailover/keepalived/remove-failover.sh';

/**
 * The container's command: packaging/shell/remove-ipfailover.sh as `bash -c` text, then the image's
 * removal script, then the VIPs.
 */
export function removalCommand(
  templates: ShellTemplates,
  imageScript: string,
  vips: readonly string[],
): string[] {
  return [
    '/bin/bash',
    '-c',
    filledFragment('removeIpfailover', templates, {}),
    'remove-ipfailover',
    imageScript,
    ...vips,
  ];
}

function removalJobName(deployment: string): string {
  return `remove-${deployment}`.slice(0, 63).replace(/-+$/, '');
}

export function removalJob(templates: ShellTemplates, source: SourceDeployment): Job {
  const settings = readImageSettings(
    Object.fromEntries(source.imageEnv.map((variable) => [variable.name, variable.value ?? ''])),
  );
  const vips = expandVirtualIps(settings.virtualIps);
  const podLabels = { ...toolkitLabels('remove-ipfailover'), 'ipfailover-toolkit/removal': source.name };
  const { podSpec } = source;
  const nodeAffinity = podSpec.affinity && (podSpec.affinity as { nodeAffinity?: unknown }).nodeAffinity;
  const env: IEnvVar[] = [
    ...source.imageEnv.map((variable) => ({ ...variable })),
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
  const job = new Job({
    metadata: {
      name: removalJobName(source.name),
      ...(source.namespace ? { namespace: source.namespace } : {}),
      labels: toolkitLabels('remove-ipfailover'),
    },
    spec: {
      completions: source.replicas,
      parallelism: source.replicas,
      backoffLimit: 3,
      // A node that cannot take a pod (cordoned, gone) must end the Job rather than leave it pending.
      activeDeadlineSeconds: 600,
      template: {
        metadata: { labels: podLabels },
        spec: {
          restartPolicy: 'OnFailure',
          hostNetwork: true,
          ...(podSpec.serviceAccountName ? { serviceAccountName: String(podSpec.serviceAccountName) } : {}),
          ...(podSpec.nodeSelector ? { nodeSelector: podSpec.nodeSelector as Record<string, string> } : {}),
          ...(Array.isArray(podSpec.tolerations) ? { tolerations: podSpec.tolerations } : {}),
          ...(Array.isArray(podSpec.imagePullSecrets) ? { imagePullSecrets: podSpec.imagePullSecrets } : {}),
          affinity: {
            ...(nodeAffinity ? { nodeAffinity } : {}),
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: podLabels }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          containers: [
            {
              name: 'remove-ipfailover',
              image: source.image,
              command: removalCommand(templates, IMAGE_REMOVAL_SCRIPT, vips),
              env,
              securityContext: { privileged: true },
              volumeMounts: [{ name: 'lib-modules', mountPath: '/lib/modules', readOnly: true }],
            },
          ],
          volumes: [{ name: 'lib-modules', hostPath: { path: '/lib/modules' } }],
        },
      },
    },
  } as ConstructorParameters<typeof Job>[0]);
  job.validate();
  return job;
}
