import { formatEndpoint } from '../../core/endpoint.ts';
import { failed, type ProbeContext, type ProbeResult, passed } from '../../core/probe.ts';
import { tcpExchange } from '../../core/tcp-exchange.ts';
import type { ServiceOnVips } from './inventory.ts';

/** One network probe; several Service ports may share one (the health check is per Service). */
export type Target =
  | { readonly kind: 'health'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly role: 'external IP' | 'node port';
    };

export interface PortPlan {
  /** `namespace/name:port`, as reasons name it. */
  readonly label: string;
  /** What the API's answer already shows to be wrong. */
  readonly problems: readonly string[];
  readonly targets: readonly Target[];
}

export interface ProbePlan {
  readonly ports: readonly PortPlan[];
  /** UDP and SCTP ports: their endpoints are checked, nothing is sent to them. */
  readonly skipped: readonly string[];
}

export interface PlanOptions {
  readonly healthHost: string;
  readonly nodeIp: string;
}

export const HEALTH_PATH = '/healthz';

function targetName(target: Target): string {
  const endpoint = formatEndpoint(target);
  return target.kind === 'health'
    ? `GET http://${endpoint}${HEALTH_PATH} (healthCheckNodePort)`
    : `TCP ${endpoint} (${target.role})`;
}

/**
 * What to probe for each Service port, and what already fails:
 * - every port needs a ready endpoint;
 * - a TCP port of an `externalTrafficPolicy: Local` Service with a healthCheckNodePort needs that port
 *   to answer 200 (kube-proxy answers 503 on a node without a ready local endpoint, where it drops the
 *   Service's external traffic);
 * - any other TCP port must accept a connection on each of its external IPs that is a VIP;
 * - a TCP port with a nodePort must accept a connection on the node IP.
 */
export function planProbes(services: readonly ServiceOnVips[], options: PlanOptions): ProbePlan {
  const ports: PortPlan[] = [];
  const skipped: string[] = [];
  for (const service of services) {
    const name = `${service.namespace}/${service.name}`;
    if (service.ports.length === 0) {
      ports.push({ label: name, problems: ['the Service has no ports'], targets: [] });
      continue;
    }
    for (const port of service.ports) {
      const label = `${name}:${port.port}`;
      const problems =
        port.readyEndpoints > 0
          ? []
          : [
              port.endpoints === 0
                ? 'no ready endpoint (no endpoints)'
                : `no ready endpoint (0 of ${port.endpoints} ready)`,
            ];
      if (port.protocol !== 'TCP') {
        skipped.push(`${label}/${port.protocol}`);
        ports.push({ label, problems, targets: [] });
        continue;
      }
      const targets: Target[] =
        service.local && service.healthCheckNodePort !== undefined
          ? [{ kind: 'health', host: options.healthHost, port: service.healthCheckNodePort }]
          : service.addresses.map((host) => ({ kind: 'tcp', host, port: port.port, role: 'external IP' }));
      if (port.nodePort !== undefined) {
        targets.push({ kind: 'tcp', host: options.nodeIp, port: port.nodePort, role: 'node port' });
      }
      ports.push({ label, problems, targets });
    }
  }
  return { ports, skipped };
}

/** At most this many probes at once: 200 Services must not exhaust the process's file descriptors. */
const CONCURRENCY = 64;
/** A reason line names this many failing ports, then counts the rest. */
const NAMED_FAILURES = 5;

/**
 * Runs every target once, and composes the reason from the plan and the results. Targets still
 * unanswered when `window` aborts fail with its reason, so that the line names every failing port
 * and not only the one the deadline found waiting.
 */
export async function runPlan(
  plan: ProbePlan,
  context: ProbeContext,
  window: AbortSignal,
): Promise<ProbeResult> {
  const unique = new Map<string, Probe>();
  for (const port of plan.ports) {
    for (const target of port.targets) {
      const name = targetName(target);
      if (!unique.has(name)) unique.set(name, { target, name, owner: port.label });
    }
  }
  const results = await runAll([...unique.values()], context, AbortSignal.any([context.signal, window]));
  const failures: string[] = [];
  for (const port of plan.ports) {
    const problems = [...port.problems];
    for (const target of port.targets) {
      const result = results.get(targetName(target));
      if (result && !result.ok) problems.push(result.reason);
    }
    if (problems.length > 0) failures.push(`${port.label}: ${problems.join(', ')}`);
  }
  if (failures.length === 0) return passed;
  const named = failures.slice(0, NAMED_FAILURES).join('; ');
  const more = failures.length > NAMED_FAILURES ? `; and ${failures.length - NAMED_FAILURES} more` : '';
  return failed(
    `${failures.length} of ${plan.ports.length} Service ports fail: ${named}${more}${skippedNote(plan)}`,
  );
}

function skippedNote(plan: ProbePlan): string {
  return plan.skipped.length > 0
    ? ` (UDP/SCTP ports skipped, only their endpoints checked: ${plan.skipped.join(', ')})`
    : '';
}

interface Probe {
  readonly target: Target;
  readonly name: string;
  /** The first Service port that needs it, for the step text. */
  readonly owner: string;
}

/** Cancels a running probe with the reason it is given. */
type Cancel = (reason: string) => void;

/**
 * Runs the probes, CONCURRENCY at a time. One abort listener cancels whatever is running: a listener
 * per socket would cost CPU at 200 Services and trip Node's MaxListeners warning onto stderr.
 */
async function runAll(
  probes: readonly Probe[],
  context: ProbeContext,
  signal: AbortSignal,
): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  const running = new Map<Probe, Cancel>();
  const reason = () =>
    signal.reason instanceof Error && signal.reason.name !== 'AbortError' ? signal.reason.message : 'aborted';
  const onAbort = () => {
    for (const cancel of running.values()) cancel(reason());
  };
  signal.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  const report = () => {
    const [first] = running.keys();
    if (first === undefined) return;
    const others = running.size - 1 + (probes.length - next);
    context.step(
      `while waiting for ${first.name} of ${first.owner}${others > 0 ? ` and ${others} more probes` : ''}`,
    );
  };
  const worker = async () => {
    while (next < probes.length && !signal.aborted) {
      const probe = probes[next++] as Probe;
      const result = new Promise<ProbeResult>((resolve) => {
        const settle = (outcome: ProbeResult) => {
          running.delete(probe);
          resolve(outcome);
        };
        running.set(probe, start(probe, settle));
      });
      report();
      results.set(probe.name, await result);
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, probes.length) }, worker));
  signal.removeEventListener('abort', onAbort);
  // Probes never started because the window closed first.
  for (const probe of probes)
    if (!results.has(probe.name)) results.set(probe.name, failed(`${probe.name}: ${reason()}`));
  return results;
}

function start(probe: Probe, settle: (result: ProbeResult) => void): Cancel {
  return probe.target.kind === 'health' ? healthCheck(probe, settle) : tcpConnect(probe, settle);
}

function tcpConnect({ target, name }: Probe, settle: (result: ProbeResult) => void): Cancel {
  return tcpExchange(target, {}, (outcome) =>
    settle(outcome.ok ? passed : failed(`${name}: ${outcome.reason}`)),
  );
}

/** A status line longer than this is not one: the answer is not HTTP. */
const MAX_STATUS_LINE = 1024;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |\r?$)/;

/**
 * `GET /healthz` and the status line of the answer, over a plain socket like the tcp-check's
 * IPF_TCP_SEND / IPF_TCP_EXPECT exchange. This runs at every check, also when the Service list comes
 * from the cache, and it needs only the status code, so no HTTP client is loaded for it: node:http
 * would cost 0.10 × `node -e 0` per run with two Local Services, undici about 0.5 × (bench/checks.ts).
 * The Kubernetes API, which needs TLS, credentials and bodies, goes through core/http-client.ts.
 */
function healthCheck({ target, name }: Probe, settle: (result: ProbeResult) => void): Cancel {
  const exchange = {
    send: `GET ${HEALTH_PATH} HTTP/1.1\r\nHost: ${formatEndpoint(target)}\r\nUser-Agent: ipfailover-toolkit-externalip-check\r\nConnection: close\r\n\r\n`,
    // The first line, or as much as a status line may be: then it is judged.
    complete: (received: string) => received.includes('\n') || received.length >= MAX_STATUS_LINE,
    awaiting: 'a status line arrived',
  };
  return tcpExchange(target, exchange, (outcome) => {
    if (!outcome.ok) return settle(failed(`${name}: ${outcome.reason}`));
    const end = outcome.received.indexOf('\n');
    const line = outcome.received.slice(0, end < 0 ? MAX_STATUS_LINE : end);
    const status = STATUS_LINE.exec(line)?.[1];
    if (status === undefined)
      return settle(failed(`${name}: not an HTTP answer: ${JSON.stringify(line.slice(0, 80))}`));
    if (status === '200') return settle(passed);
    // kube-proxy answers 503 on a node without a ready local endpoint.
    const why = status === '503' ? ' (no ready endpoint on this node)' : '';
    settle(failed(`${name}: status ${status}, expected 200${why}`));
  });
}
