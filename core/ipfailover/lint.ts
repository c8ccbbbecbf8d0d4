import { bashArithmetic, type ImageSettings, readImageSettings } from './image-env.ts';
import { type InstancePlan, planInstances, VRID_RANGE } from './instances.ts';
import {
  describeObject,
  type FieldPath,
  formatPath,
  isRecord,
  ManifestError,
  type ManifestObject,
} from './manifests.ts';
import { bcHex, entries, expandEntry, expandVirtualIps, isImageIpv4, isImageIpv6 } from './vips.ts';

export interface Finding {
  readonly file: string;
  readonly line: number | undefined;
  readonly object: string;
  readonly field: string;
  readonly rule: string;
  readonly message: string;
  readonly fix: string;
}

export type NetworkType = 'ovn-kubernetes' | 'openshift-sdn' | 'other';

/** What lint knows of one ipfailover Deployment: the keepalived container's literal env, as the image reads it. */
export interface IpfailoverDeployment {
  readonly object: ManifestObject;
  readonly replicas: number;
  readonly podSpec: Record<string, unknown>;
  readonly container: Record<string, unknown>;
  readonly containerPath: FieldPath;
  readonly env: ReadonlyMap<string, { value: string; index: number }>;
  readonly settings: ImageSettings;
  readonly instances: readonly InstancePlan[];
}

const podSpecPath = ['spec', 'template', 'spec'] as const;
const imageVariable =
  /^(OPENSHIFT_HA_|HA_EXCLUDED_VRRP_IDS$|MULTICAST_SOURCE_IPADDRESS$|UNICAST_SOURCE_IPADDRESS$)/;

/** Finds the keepalived container (the one setting OPENSHIFT_HA_VIRTUAL_IPS) and reads its env as the image does. */
export function toIpfailoverDeployment(object: ManifestObject): IpfailoverDeployment {
  const where = (path: FieldPath) =>
    `${object.file}:${object.lineOf(path) ?? '?'}: ${describeObject(object)}: ${formatPath(path)}`;
  const spec = isRecord(object.body.spec) ? object.body.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers.filter(isRecord) : [];
  const index = containers.findIndex((container) =>
    (Array.isArray(container.env) ? container.env : []).some(
      (entry) => isRecord(entry) && entry.name === 'OPENSHIFT_HA_VIRTUAL_IPS',
    ),
  );
  const container = containers[index];
  const containersPath = [...podSpecPath, 'containers'];
  if (!container) {
    const anyEnv = containers.some((candidate) => Array.isArray(candidate.env));
    const envFrom = containers.some((candidate) => Array.isArray(candidate.envFrom));
    const why = envFrom
      ? 'no container sets OPENSHIFT_HA_VIRTUAL_IPS in env, and envFrom cannot be resolved offline'
      : anyEnv
        ? 'no container sets OPENSHIFT_HA_VIRTUAL_IPS in its env block'
        : 'no container has an env block, so there are no OPENSHIFT_HA_* settings to check';
    throw new ManifestError(`${where(containersPath)}: ${why}`);
  }
  const containerPath = [...containersPath, index];
  const env = new Map<string, { value: string; index: number }>();
  (container.env as unknown[]).forEach((entry, envIndex) => {
    if (!isRecord(entry) || typeof entry.name !== 'string') return;
    if (entry.valueFrom !== undefined && imageVariable.test(entry.name)) {
      throw new ManifestError(
        `${where([...containerPath, 'env', envIndex])}: ${entry.name} uses valueFrom, which cannot be resolved offline; give its value in the manifest`,
      );
    }
    env.set(entry.name, { value: entry.value === undefined ? '' : String(entry.value), index: envIndex });
  });
  const settings = readImageSettings(Object.fromEntries([...env].map(([name, { value }]) => [name, value])));
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  return {
    object,
    replicas,
    podSpec,
    container,
    containerPath,
    env,
    settings,
    instances: planInstances(settings),
  };
}

/** Every rule's output names the file, the object, the field, what is wrong and the fix. */
class Report {
  readonly findings: Finding[] = [];

  add(
    deployment: IpfailoverDeployment | ManifestObject,
    path: FieldPath,
    rule: string,
    message: string,
    fix: string,
  ): void {
    const object = 'object' in deployment ? deployment.object : deployment;
    this.findings.push({
      file: object.file,
      line: nearestLine(object, path),
      object: describeObject(object),
      field: formatPath(path),
      rule,
      message,
      fix,
    });
  }

  /** A finding about an env variable: the path points at its entry when set, at the env block when not. */
  env(deployment: IpfailoverDeployment, name: string, rule: string, message: string, fix: string): void {
    const entry = deployment.env.get(name);
    const path = entry
      ? [...deployment.containerPath, 'env', entry.index, 'value']
      : [...deployment.containerPath, 'env'];
    this.add(deployment, path, rule, `${entry ? name : `${name} (unset)`}: ${message}`, fix);
  }
}

/** The line of the field, or of its closest parent that exists (a missing field has no line of its own). */
function nearestLine(object: ManifestObject, path: FieldPath): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const line = object.lineOf(path.slice(0, length));
    if (line !== undefined) return line;
  }
  return undefined;
}

export interface LintInput {
  readonly deployments: readonly IpfailoverDeployment[];
  readonly network: ManifestObject | undefined;
  readonly networkType: NetworkType | undefined;
}

export function lint(input: LintInput): Finding[] {
  const report = new Report();
  for (const deployment of input.deployments) {
    checkInstances(report, deployment);
    checkVirtualIps(report, deployment);
    checkScalars(report, deployment);
    checkScripts(report, deployment);
    checkVerdictBudget(report, deployment);
    checkPod(report, deployment);
    checkInterface(report, deployment, networkTypeOf(input));
  }
  checkAcrossDeployments(report, input.deployments);
  checkToolkitPorts(report, input.deployments);
  if (input.network) checkExternalIp(report, input.network, input.deployments);
  return report.findings;
}

function networkTypeOf(input: LintInput): NetworkType | undefined {
  if (input.networkType) return input.networkType;
  const network = input.network?.body;
  if (!network) return undefined;
  const type = [network.spec, network.status]
    .map((part) => (isRecord(part) ? part.networkType : undefined))
    .find((value) => typeof value === 'string');
  if (type === undefined) return undefined;
  return type === 'OVNKubernetes' ? 'ovn-kubernetes' : type === 'OpenShiftSDN' ? 'openshift-sdn' : 'other';
}

function checkInstances(report: Report, deployment: IpfailoverDeployment): void {
  const { instances } = deployment;
  if (instances.length > 254) {
    report.env(
      deployment,
      'OPENSHIFT_HA_VIRTUAL_IPS',
      'too-many-instances',
      `makes ${instances.length} VRRP instances; IP failover supports at most 254`,
      'Set OPENSHIFT_HA_VIP_GROUPS so that several VIPs share one instance.',
    );
  }
  const outside = instances.filter(({ vrid }) => vrid < VRID_RANGE[0] || vrid > VRID_RANGE[1]);
  if (outside.length > 0) {
    report.env(
      deployment,
      'OPENSHIFT_HA_VRRP_ID_OFFSET',
      'vrid-out-of-range',
      `gives VRIDs ${rangeText(outside.map(({ vrid }) => vrid))}, outside 1..255; keepalived drops those ${outside.length} instances`,
      `Lower OPENSHIFT_HA_VRRP_ID_OFFSET so that offset + ${instances.length} instances stays within 255, or group the VIPs.`,
    );
  }
  const offset = deployment.env.get('OPENSHIFT_HA_VRRP_ID_OFFSET')?.value.trim();
  if (offset !== undefined && /^0\d/.test(offset)) {
    const value = bashArithmetic(offset);
    report.env(
      deployment,
      'OPENSHIFT_HA_VRRP_ID_OFFSET',
      'octal-offset',
      value === undefined
        ? `"${offset}" is not a number to bash (leading 0 means octal): the image writes no VRRP instance at all`
        : `"${offset}" has a leading 0, which bash reads as octal ${value}`,
      `Write it without leading zeros, e.g. "${Number(offset)}".`,
    );
  }
  const excluded = deployment.env.get('HA_EXCLUDED_VRRP_IDS')?.value ?? '';
  if (excluded.includes(',')) {
    report.env(
      deployment,
      'HA_EXCLUDED_VRRP_IDS',
      'excluded-ids-commas',
      'is split on spaces only, so a comma list excludes nothing',
      `Separate the IDs with spaces: "${excluded
        .split(/[,\s]+/)
        .filter(Boolean)
        .join(' ')}".`,
    );
  }
}

function checkVirtualIps(report: Report, deployment: IpfailoverDeployment): void {
  const raw = deployment.settings.virtualIps;
  for (const problem of virtualIpProblems(raw)) {
    report.env(deployment, 'OPENSHIFT_HA_VIRTUAL_IPS', 'malformed-vip', problem.message, problem.fix);
  }
  const vips = expandVirtualIps(raw);
  if (vips.length === 0) {
    report.env(
      deployment,
      'OPENSHIFT_HA_VIRTUAL_IPS',
      'no-vips',
      'expands to no address: keepalived runs with no VRRP instance',
      'List the VIPs, e.g. "10.0.0.100-105,10.0.0.120".',
    );
  }
  const seen = new Set<string>();
  const repeated = new Set(vips.filter((vip) => seen.size === seen.add(vip).size));
  if (repeated.size > 0) {
    report.env(
      deployment,
      'OPENSHIFT_HA_VIRTUAL_IPS',
      'duplicate-vip',
      `lists ${[...repeated].join(', ')} more than once; the image keeps duplicates, and two instances then fight over one address`,
      'List each VIP once.',
    );
  }
  const groups = bashArithmetic(deployment.settings.vipGroups) ?? 0;
  if (groups > vips.length && vips.length > 0) {
    report.env(
      deployment,
      'OPENSHIFT_HA_VIP_GROUPS',
      'groups-exceed-vips',
      `is ${groups}, more than the ${vips.length} VIPs: the image makes one instance per VIP instead`,
      `Set it to at most ${vips.length}, or unset it for one instance per VIP.`,
    );
  }
}

interface Problem {
  readonly message: string;
  readonly fix: string;
}

/** What the image silently does to each entry of OPENSHIFT_HA_VIRTUAL_IPS that the user did not mean. */
export function virtualIpProblems(raw: string): Problem[] {
  const problems: Problem[] = [];
  const pieces = raw
    .split(/[,\n]/)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
  for (const piece of pieces) {
    const [cleaned = '', ...glued] = entries(piece);
    const result = glued.length === 0 ? expandEntry(cleaned) : [];
    if (piece.includes('/')) {
      problems.push({
        message: `"${piece}" is CIDR notation; the image deletes the "/" and reads "${cleaned}"${result.length === 0 ? ', which it drops' : ` as ${result.join(', ')}`}`,
        fix: `Write the address alone: "${piece.split('/')[0]}".`,
      });
    } else if (/\s/.test(piece)) {
      problems.push({
        message: `"${piece}" contains spaces, which the image deletes rather than splits on: it becomes "${piece.replace(/\s/g, '')}"${result.length === 0 ? ', which is dropped' : ''}`,
        fix: 'Separate entries with commas only.',
      });
    } else if (cleaned !== piece) {
      problems.push({
        message: `"${piece}" contains characters the image deletes: it becomes "${cleaned}"`,
        fix: 'Use only addresses and ranges such as 10.0.0.1 or 10.0.0.1-5.',
      });
    } else if (isLowercaseIpv6Range(piece)) {
      problems.push({
        message: `"${piece}" is an IPv6 range with lowercase hex; the image's bc arithmetic reads only uppercase, so it yields ${result.length === 0 ? 'nothing' : result.join(', ')}`,
        fix: `Write the range in uppercase: "${piece.toUpperCase()}".`,
      });
    } else if (result.length === 0) {
      problems.push({
        message: droppedReason(piece),
        fix: 'Use an IPv4 address or range such as 10.0.0.1-5, or an IPv6 address.',
      });
    } else if (
      isImageIpv4(piece.split('-')[0] ?? '') &&
      result.some((vip) => Number(vip.split('.')[3]) > 255)
    ) {
      problems.push({
        message: `"${piece}" runs past .255: the image writes invalid addresses up to ${result.at(-1)}`,
        fix: 'End the range at .254 at most.',
      });
    }
  }
  return problems;
}

function isLowercaseIpv6Range(piece: string): boolean {
  const [first = '', end] = piece.split('-');
  return (
    end !== undefined &&
    isImageIpv6(first) &&
    /[a-f]/.test(`${first.slice(first.lastIndexOf(':') + 1)}${end}`)
  );
}

function droppedReason(piece: string): string {
  const [first = '', end = ''] = piece.split('-');
  if (isImageIpv4(first)) {
    return `"${piece}" is a range that ends before it starts (or has no numeric end); the image writes no address for it`;
  }
  if (isImageIpv6(first) && bcHex(end) === undefined) {
    return `"${piece}" is an IPv6 range whose end is not one uppercase hex group; the image's bc arithmetic yields nothing or wrong addresses`;
  }
  return `"${piece}" is not an address or range the image understands; it is dropped silently`;
}

function checkScalars(report: Report, deployment: IpfailoverDeployment): void {
  const { env } = deployment;
  const port = env.get('OPENSHIFT_HA_MONITOR_PORT')?.value;
  if (port !== undefined && port !== '' && !/^\d+$/.test(port)) {
    const digits = port.replace(/\D/g, '') || '80';
    report.env(
      deployment,
      'OPENSHIFT_HA_MONITOR_PORT',
      'monitor-port',
      `"${port}" is not a number; the image deletes the non-digits and checks port ${digits}`,
      `Write the port as digits only, e.g. "${digits}".`,
    );
  } else if (port !== undefined && (Number(port) > 65535 || (Number(port) === 0 && port !== '0'))) {
    report.env(
      deployment,
      'OPENSHIFT_HA_MONITOR_PORT',
      'monitor-port',
      `"${port}" is not a port the check can connect to`,
      'Use 1..65535, or 0 to disable the check.',
    );
  }
  const preemption = deployment.settings.preemption;
  if (!isValidPreemption(preemption)) {
    report.env(
      deployment,
      'OPENSHIFT_HA_PREEMPTION',
      'preemption',
      preemption.startsWith('preempt_nodelay')
        ? `"${preemption}" comes from the docs, but preempt_nodelay is not a keepalived keyword`
        : `"${preemption}" is pasted into every instance, and keepalived does not take it`,
      'Use "preempt_delay N" (N from 0 to 1000 seconds) or "nopreempt".',
    );
  }
  const replicaCount = bashArithmetic(deployment.settings.replicaCount);
  const effective = replicaCount !== undefined && replicaCount > 0 ? replicaCount : 1;
  if (effective !== deployment.replicas) {
    report.env(
      deployment,
      'OPENSHIFT_HA_REPLICA_COUNT',
      'replica-count',
      `is ${effective} to the image${env.has('OPENSHIFT_HA_REPLICA_COUNT') ? '' : ' (its code default; the docs say 2)'}, but spec.replicas is ${deployment.replicas}; the initial masters are spread for the wrong number of nodes`,
      `Set OPENSHIFT_HA_REPLICA_COUNT to "${deployment.replicas}".`,
    );
  }
  if (env.has('OPENSHIFT_HA_USE_UNICAST')) {
    report.env(
      deployment,
      'OPENSHIFT_HA_USE_UNICAST',
      'use-unicast-ignored',
      'is read by nothing in the image; unicast is on exactly when OPENSHIFT_HA_UNICAST_PEERS is set',
      'Remove it, and set OPENSHIFT_HA_UNICAST_PEERS if you want unicast.',
    );
  }
}

export function isValidPreemption(value: string): boolean {
  const match = /^preempt_delay\s+(\d+)$/.exec(value.trim());
  return value.trim() === 'nopreempt' || (match !== null && Number(match[1]) <= 1000);
}

function checkScripts(report: Report, deployment: IpfailoverDeployment): void {
  for (const name of ['OPENSHIFT_HA_CHECK_SCRIPT', 'OPENSHIFT_HA_NOTIFY_SCRIPT'] as const) {
    const command = deployment.env.get(name)?.value.trim();
    if (!command) continue;
    // keepalived splits the string into words; the first is the program it executes.
    const path = command.split(/\s+/)[0] ?? '';
    if (/^\/(usr\/)?s?bin\//.test(path)) continue;
    const mount = mountOf(deployment, path);
    if (!mount) {
      report.env(
        deployment,
        name,
        'script-not-mounted',
        `${path} is under no volumeMount of the container, and the image does not ship it: keepalived disables a missing check`,
        'Mount the ConfigMap holding the script at its directory (oc set volume … --mount-path=DIR).',
      );
      continue;
    }
    const mode = volumeMode(
      mount.volume,
      mount.subPath ?? path.slice(mount.mountPath.length).replace(/^\//, ''),
    );
    if (mode !== undefined && (mode & 0o111) === 0) {
      report.add(
        deployment,
        mount.modePath,
        'script-not-executable',
        `${name}: ${path} is mounted from volume ${mount.volume.name} with mode 0${mode.toString(8)}, which is not executable; keepalived disables the check`,
        'Set defaultMode: 0755 (493 in JSON) on the volume.',
      );
    }
  }
}

/**
 * Prober mode keeps one time budget: keepalived's timeout (the interval) > verdict.sh's budget (interval
 * − 100 ms) > the probe's deadline (checks/prober, core/prober-protocol.ts). Settings that break the
 * chain: a probe timeout set where verdict.sh runs, which nothing reads there, and a prober container
 * whose own interval differs from keepalived's, so its deadline follows another clock.
 */
function checkVerdictBudget(report: Report, deployment: IpfailoverDeployment): void {
  const script = deployment.env.get('OPENSHIFT_HA_CHECK_SCRIPT')?.value.trim() ?? '';
  if (!/(^|\/)verdict\.sh(\s|$)/.test(script)) return;
  if (deployment.env.has('IPF_CHECK_TIMEOUT_MS')) {
    report.env(
      deployment,
      'IPF_CHECK_TIMEOUT_MS',
      'check-budget',
      'set in the keepalived container, where verdict.sh runs and nothing reads it: the probe deadline is the prober’s',
      'Move it to the prober’s settings (the ConfigMap ipfailover-toolkit-settings); verdict.sh’s budget is OPENSHIFT_HA_CHECK_INTERVAL − 100 ms.',
    );
  }
  const interval = deployment.env.get('OPENSHIFT_HA_CHECK_INTERVAL')?.value ?? '2';
  const pod = ['initContainers', 'containers'] as const;
  for (const list of pod) {
    const containers = Array.isArray(deployment.podSpec[list]) ? deployment.podSpec[list] : [];
    containers.forEach((container, index) => {
      if (!isRecord(container) || container.name !== 'ipft-prober' || !Array.isArray(container.env)) return;
      const envIndex = container.env.findIndex(
        (entry) => isRecord(entry) && entry.name === 'OPENSHIFT_HA_CHECK_INTERVAL',
      );
      const entry = container.env[envIndex];
      if (!isRecord(entry) || typeof entry.value !== 'string' || entry.value.trim() === interval.trim())
        return;
      report.add(
        deployment,
        [...podSpecPath, list, index, 'env', envIndex, 'value'],
        'check-budget',
        `OPENSHIFT_HA_CHECK_INTERVAL is ${entry.value} in the ipft-prober container and ${interval} in the keepalived container: the probe deadline would follow another interval than keepalived's timeout`,
        'Give both containers the same OPENSHIFT_HA_CHECK_INTERVAL (ipft package copies the keepalived container’s).',
      );
    });
  }
}

interface Mount {
  readonly mountPath: string;
  readonly subPath: string | undefined;
  readonly volume: Record<string, unknown> & { name?: unknown };
  readonly modePath: FieldPath;
}

function mountOf(deployment: IpfailoverDeployment, path: string): Mount | undefined {
  const mounts = Array.isArray(deployment.container.volumeMounts)
    ? deployment.container.volumeMounts.filter(isRecord)
    : [];
  const volumes = Array.isArray(deployment.podSpec.volumes) ? deployment.podSpec.volumes : [];
  const candidates = mounts
    .filter((mount) => typeof mount.mountPath === 'string')
    .filter((mount) => {
      const mountPath = (mount.mountPath as string).replace(/\/$/, '');
      return path === mountPath || path.startsWith(`${mountPath}/`);
    })
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length);
  const mount = candidates[0];
  if (!mount) return undefined;
  const volumeIndex = volumes.findIndex((volume) => isRecord(volume) && volume.name === mount.name);
  const volume = volumes[volumeIndex];
  if (!isRecord(volume)) return undefined;
  const source = ['configMap', 'secret', 'projected'].find((key) => isRecord(volume[key])) ?? 'volume';
  return {
    mountPath: String(mount.mountPath).replace(/\/$/, ''),
    subPath: typeof mount.subPath === 'string' ? mount.subPath : undefined,
    volume,
    modePath: [...podSpecPath, 'volumes', volumeIndex, source, 'defaultMode'],
  };
}

/** The file mode a ConfigMap, Secret or projected volume gives the file; undefined where the volume sets none (hostPath, emptyDir). */
function volumeMode(volume: Record<string, unknown>, file: string): number | undefined {
  for (const key of ['configMap', 'secret', 'projected'] as const) {
    const source = volume[key];
    if (!isRecord(source)) continue;
    const items = Array.isArray(source.items) ? source.items.filter(isRecord) : [];
    const item = items.find((candidate) => candidate.path === file);
    if (item && typeof item.mode === 'number') return item.mode;
    return typeof source.defaultMode === 'number' ? source.defaultMode : 0o644;
  }
  return undefined;
}

function checkPod(report: Report, deployment: IpfailoverDeployment): void {
  const { podSpec, container, containerPath } = deployment;
  if (podSpec.hostNetwork !== true) {
    report.add(
      deployment,
      [...podSpecPath, 'hostNetwork'],
      'host-network',
      'hostNetwork is not true: keepalived would put the VIPs into the pod’s own network namespace',
      'Set spec.template.spec.hostNetwork: true.',
    );
  }
  const securityContext = isRecord(container.securityContext) ? container.securityContext : {};
  if (securityContext.privileged !== true) {
    report.add(
      deployment,
      [...containerPath, 'securityContext', 'privileged'],
      'privileged',
      'the keepalived container is not privileged: it cannot add VIPs or send VRRP',
      'Set securityContext.privileged: true on the container (and allow the privileged SCC for its service account).',
    );
  }
  const account = podSpec.serviceAccountName ?? podSpec.serviceAccount;
  if (typeof account !== 'string' || account === '' || account === 'default') {
    report.add(
      deployment,
      [...podSpecPath, 'serviceAccountName'],
      'service-account',
      'no service account of its own: the privileged and hostnetwork SCCs must not be granted to `default`',
      'oc create sa ipfailover; oc adm policy add-scc-to-user privileged -z ipfailover; set serviceAccountName: ipfailover.',
    );
  }
  if (deployment.replicas < 2) {
    report.add(
      deployment,
      ['spec', 'replicas'],
      'replicas',
      `spec.replicas is ${deployment.replicas}: with one node there is nothing to fail over to`,
      'Select at least two nodes and set replicas to their number (the product docs’ rule for production).',
    );
  }
}

function checkInterface(
  report: Report,
  deployment: IpfailoverDeployment,
  networkType: NetworkType | undefined,
): void {
  if (networkType !== 'ovn-kubernetes') return;
  const configured = deployment.settings.networkInterface;
  if (configured !== 'br-ex') {
    report.env(
      deployment,
      'OPENSHIFT_HA_NETWORK_INTERFACE',
      'ovn-interface',
      `is ${configured ? `"${configured}"` : 'unset (auto-detected)'}, but on OVN-Kubernetes the node IP lives on br-ex`,
      'Set OPENSHIFT_HA_NETWORK_INTERFACE to "br-ex".',
    );
  }
}

function checkAcrossDeployments(report: Report, deployments: readonly IpfailoverDeployment[]): void {
  deployments.forEach((deployment, index) => {
    for (const other of deployments.slice(0, index)) {
      const theirs = new Set(other.instances.map(({ vrid }) => vrid));
      const shared = deployment.instances.map(({ vrid }) => vrid).filter((vrid) => theirs.has(vrid));
      if (shared.length > 0) {
        report.env(
          deployment,
          'OPENSHIFT_HA_VRRP_ID_OFFSET',
          'vrid-overlap',
          `gives VRIDs ${rangeText(shared)}, which ${describeObject(other.object)} (${other.object.file}) also uses; their VRRP instances would join each other`,
          `Choose offsets whose ranges do not overlap: ${describeObject(other.object)} uses ${rangeText(other.instances.map(({ vrid }) => vrid))}.`,
        );
      }
      const otherVips = new Set(other.instances.flatMap(({ vips }) => vips));
      const sharedVips = [
        ...new Set(deployment.instances.flatMap(({ vips }) => vips).filter((vip) => otherVips.has(vip))),
      ];
      if (sharedVips.length > 0) {
        report.env(
          deployment,
          'OPENSHIFT_HA_VIRTUAL_IPS',
          'vip-in-two-deployments',
          `${sharedVips.slice(0, 5).join(', ')}${sharedVips.length > 5 ? ` and ${sharedVips.length - 5} more` : ''} ${sharedVips.length === 1 ? 'is also a VIP' : 'are also VIPs'} of ${describeObject(other.object)} (${other.object.file})`,
          'Give each VIP to one deployment only.',
        );
      }
    }
  });
}

/**
 * The toolkit's containers and their ports' defaults (packaging/layout.ts names them; the defaults are
 * exporter/settings.ts's and checks/prober/settings.ts's; test/lint.test.ts keeps them equal).
 */
const toolkitPortVariables = [
  { container: 'ipft-exporter', variable: 'IPF_EXPORTER_PORT', fallback: 9871 },
  { container: 'ipft-prober', variable: 'IPF_PROBER_PORT', fallback: 9872 },
] as const;

interface ToolkitPort {
  readonly port: number;
  readonly what: string;
  readonly path: FieldPath;
}

/** The node ports the toolkit's containers listen on (hostNetwork): their env, else the defaults. */
function toolkitPortsOf(deployment: IpfailoverDeployment): ToolkitPort[] {
  const ports: ToolkitPort[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const containers = deployment.podSpec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, index) => {
      if (!isRecord(container)) return;
      const known = toolkitPortVariables.find(({ container: name }) => name === container.name);
      if (!known) return;
      const env = Array.isArray(container.env) ? container.env : [];
      const envIndex = env.findIndex((entry) => isRecord(entry) && entry.name === known.variable);
      const entry = env[envIndex];
      const raw = isRecord(entry) ? entry.value : undefined;
      const port =
        envIndex < 0
          ? known.fallback
          : typeof raw === 'string' && /^\d+$/.test(raw)
            ? Number(raw)
            : undefined;
      if (port === undefined) return;
      ports.push({
        port,
        what: `${known.variable} of ${known.container}${envIndex < 0 ? ' (unset: its default)' : ''}`,
        path: [...podSpecPath, list, index, ...(envIndex < 0 ? [] : ['env', envIndex, 'value'])],
      });
    });
  }
  return ports;
}

/** Two node selectors can pick one node unless a label has different values in them (so equal, or one empty, always can). */
function canShareNode(a: IpfailoverDeployment, b: IpfailoverDeployment): boolean {
  const selectorOf = (deployment: IpfailoverDeployment) =>
    isRecord(deployment.podSpec.nodeSelector) ? deployment.podSpec.nodeSelector : {};
  const theirs = selectorOf(b);
  return Object.entries(selectorOf(a)).every(
    ([label, value]) => !(label in theirs) || theirs[label] === value,
  );
}

/** Toolkit exporters and probers share the node's network: on one node, the second to bind a port never does. */
function checkToolkitPorts(report: Report, deployments: readonly IpfailoverDeployment[]): void {
  deployments.forEach((deployment, index) => {
    const ours = toolkitPortsOf(deployment);
    for (const other of deployments.slice(0, index)) {
      if (!canShareNode(deployment, other)) continue;
      const theirs = toolkitPortsOf(other);
      for (const port of ours) {
        const taken = theirs.find(({ port: their }) => their === port.port);
        if (!taken) continue;
        report.add(
          deployment,
          port.path,
          'toolkit-port-collision',
          `${port.what} is ${port.port}, which ${describeObject(other.object)} (${other.object.file}) also listens on (${taken.what}), and their nodeSelectors can pick the same node: there the second one cannot bind`,
          'Give each deployment its own ports: ipft package derives them from the Deployment name, or takes --exporter-port and --prober-port.',
        );
      }
    }
  });
}

function checkExternalIp(
  report: Report,
  network: ManifestObject,
  deployments: readonly IpfailoverDeployment[],
): void {
  const spec = isRecord(network.body.spec) ? network.body.spec : {};
  const externalIp = isRecord(spec.externalIP) ? spec.externalIP : {};
  const cidrs = Array.isArray(externalIp.autoAssignCIDRs) ? externalIp.autoAssignCIDRs : [];
  const vips = new Set(deployments.flatMap((deployment) => deployment.instances.flatMap(({ vips }) => vips)));
  cidrs.forEach((cidr, index) => {
    const path = ['spec', 'externalIP', 'autoAssignCIDRs', index];
    const parsed = typeof cidr === 'string' ? parseIpv4Cidr(cidr) : undefined;
    if (!parsed) {
      report.add(
        network,
        path,
        'external-ip-cidr',
        `"${String(cidr)}" is not an IPv4 CIDR`,
        'Write it as a.b.c.d/n.',
      );
      return;
    }
    if (parsed.prefix < 24) {
      report.add(
        network,
        path,
        'external-ip-cidr',
        `${cidr} is wider than /24: IP failover serves at most 254 VIPs per cluster`,
        'Use a /24 or smaller range for spec.externalIP.autoAssignCIDRs.',
      );
      return;
    }
    const missing = hostAddresses(parsed).filter((address) => !vips.has(address));
    if (missing.length > 0) {
      report.add(
        network,
        path,
        'external-ip-not-covered',
        `${missing.length} addresses of ${cidr} are in no deployment’s VIPs (first: ${missing.slice(0, 3).join(', ')}); Services given those external IPs have no failover`,
        `Set OPENSHIFT_HA_VIRTUAL_IPS to the same range, e.g. "${hostRange(parsed)}", with OPENSHIFT_HA_VIP_GROUPS if needed.`,
      );
    }
  });
}

interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

function parseIpv4Cidr(text: string): Cidr | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix };
}

const dotted = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** The usable addresses: a /31 or /32 has no network and broadcast address to leave out. */
function hostAddresses({ base, prefix }: Cidr): string[] {
  const size = 2 ** (32 - prefix);
  const [first, last] = prefix >= 31 ? [base, base + size - 1] : [base + 1, base + size - 2];
  return Array.from({ length: last - first + 1 }, (_, index) => dotted(first + index));
}

function hostRange(cidr: Cidr): string {
  const hosts = hostAddresses(cidr);
  return hosts.length === 1 ? (hosts[0] ?? '') : `${hosts[0]}-${hosts.at(-1)?.split('.')[3]}`;
}

function rangeText(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) return '';
  if (sorted.length === 1) return String(first);
  return sorted.length === last - first + 1 ? `${first}-${last}` : sorted.join(', ');
}
