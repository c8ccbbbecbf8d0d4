/**
 * The scrape configuration: a PodMonitor for the exporter sidecars. A PodMonitor rather than a
 * ServiceMonitor because the pods run with hostNetwork and need no Service: the target is the pod's IP
 * (the node's) on the exporter's named port.
 */
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { DEFAULT_JOB_SELECTOR } from '../exporter/alerts.ts';
import { DEPLOYMENT_LABEL, names, toolkitLabels } from './layout.ts';

function jobOf(selector: string): string {
  const job = /^job="([^"]+)"$/.exec(selector)?.[1];
  if (job === undefined) throw new Error(`Expected a job selector of the form job="NAME", got ${selector}`);
  return job;
}

/** The `job` label the alert rules select by default (exporter/alerts.ts): `job="ipfailover-toolkit"`. */
export const JOB_NAME = jobOf(DEFAULT_JOB_SELECTOR);

function podMonitorName(deployment: string): string {
  return `ipfailover-toolkit-${deployment}`.slice(0, 253);
}

export function podMonitor(deployment: string, namespace?: string): PodMonitor {
  const monitor = new PodMonitor({
    metadata: {
      name: podMonitorName(deployment),
      ...(namespace ? { namespace } : {}),
      labels: toolkitLabels('monitoring'),
    },
    spec: {
      // The label the patch puts on the pod template: the Deployment's own labels are not known here.
      selector: { matchLabels: { [DEPLOYMENT_LABEL]: deployment } },
      podMetricsEndpoints: [
        {
          port: names.metricsPort,
          path: '/metrics',
          interval: '30s',
          relabelings: [
            // Every alert and dashboard panel names the node; the pod's IP alone is the node's IP.
            { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node', action: 'replace' },
            // One job for every ipfailover deployment, as the alert rules select it (not namespace/PodMonitor).
            { targetLabel: 'job', replacement: JOB_NAME, action: 'replace' },
          ],
        },
      ],
    },
  });
  monitor.validate();
  return monitor;
}
