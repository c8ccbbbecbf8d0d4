import { request } from 'node:http';
import { APP_PORT, EXPORTER_PORT, type Host, PROMETHEUS } from './topology.ts';

/** A GET with a hard timeout, from the client namespace; undefined when nothing answered in time. */
export function get(url: string, timeoutMs = 800): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export interface ExportedInstance {
  readonly name: string;
  readonly state: string;
  readonly priority: number | null;
  readonly vips: readonly { vip: string; present: boolean }[];
}

export interface HostView {
  readonly host: Host;
  readonly instances: readonly ExportedInstance[] | undefined;
  readonly checks: readonly {
    check: string;
    ok: boolean;
    passing: boolean;
    reason: string;
    duration_ms: number;
  }[];
  readonly recent: readonly { ts: number; vrrp_instance: string; from: string; to: string }[];
}

/** What one host's exporter says: its /api/state. */
export async function hostView(host: Host): Promise<HostView> {
  const response = await get(`http://${host.address}:${EXPORTER_PORT}/api/state`);
  if (response?.status !== 200) return { host, instances: undefined, checks: [], recent: [] };
  const state = JSON.parse(response.body) as Omit<HostView, 'host'>;
  return { host, instances: state.instances, checks: state.checks ?? [], recent: state.recent ?? [] };
}

export interface Alert {
  readonly name: string;
  readonly state: 'pending' | 'firing';
  readonly labels: Record<string, string>;
}

export async function alerts(): Promise<Alert[] | undefined> {
  const response = await get(`http://${PROMETHEUS}/api/v1/alerts`);
  if (response?.status !== 200) return undefined;
  const data = JSON.parse(response.body) as {
    data: { alerts: { labels: Record<string, string>; state: 'pending' | 'firing' }[] };
  };
  return data.data.alerts.map((alert) => ({
    name: alert.labels.alertname ?? '?',
    state: alert.state,
    labels: alert.labels,
  }));
}

/** Which host answers on a VIP now (the app replies with its host's name). */
export async function servedBy(vip: string, timeoutMs = 300): Promise<string | undefined> {
  const response = await get(`http://${vip}:${APP_PORT}/`, timeoutMs);
  return response?.status === 200 ? response.body.trim() : undefined;
}

/** Which hosts hold each VIP, by the exporters' /api/state: the VIPs on each host's interfaces. */
export function owners(views: readonly HostView[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const view of views) {
    for (const instance of view.instances ?? []) {
      for (const { vip, present } of instance.vips) {
        const list = result.get(vip) ?? [];
        if (present) list.push(view.host.name);
        result.set(vip, list);
      }
    }
  }
  return result;
}
