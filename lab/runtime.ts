import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { $ } from 'zx';
import { counted, plural } from '../core/plural.ts';
import { ruleGroupsYaml } from '../exporter/alerts.ts';
import {
  APP_PORT,
  BRIDGE,
  CLIENT,
  EXPORTER_PORT,
  type Host,
  PREFIX,
  PROBER_PORT,
  PROMETHEUS,
  SWITCH,
  type Topology,
} from './topology.ts';

export const WORKDIR = `/tmp/${PREFIX}`;

$.quiet = true;

/** Every lab namespace that exists now, the client's included. */
export async function labNamespaces(): Promise<string[]> {
  const list = (await $`ip netns list`.nothrow()).stdout;
  return list
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(`${PREFIX}-`));
}

/**
 * Removes everything the lab made, also after a crash: every process in a lab namespace (but the
 * caller's own), the namespaces (and with them the bridge, the veths and the addresses), the work dir.
 */
export interface Removed {
  readonly processes: number;
  readonly namespaces: readonly string[];
  readonly cgroups: number;
  readonly workdir: boolean;
}

export async function cleanup(keep: readonly number[] = []): Promise<Removed> {
  let processes = 0;
  for (const namespace of await labNamespaces()) {
    const pids = (await $`ip netns pids ${namespace}`.nothrow()).stdout
      .split('\n')
      .map(Number)
      .filter(Boolean);
    for (const pid of pids) {
      if (keep.includes(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        processes += 1;
      } catch {
        // Gone already.
      }
    }
  }
  const namespaces: string[] = [];
  for (const namespace of await labNamespaces()) {
    if (namespace === CLIENT && keep.length > 0) continue;
    if ((await $`ip netns delete ${namespace}`.nothrow()).exitCode === 0) namespaces.push(namespace);
  }
  let cgroups = 0;
  for (const group of labCgroups()) {
    try {
      rmdirSync(group);
      cgroups += 1;
    } catch {
      // A process of the caller's is still in it.
    }
  }
  const workdir = keep.length === 0 && existsSync(WORKDIR);
  if (workdir) rmSync(WORKDIR, { recursive: true, force: true });
  return { processes, namespaces, cgroups, workdir };
}

/** One line for the user: what a cleanup removed, so Ctrl-C and --cleanup say what they did. */
export function describeRemoved({ processes, namespaces, cgroups, workdir }: Removed): string {
  const parts = [
    processes > 0 ? counted(processes, 'process', 'processes') : '',
    namespaces.length > 0 ? `${plural(namespaces.length, 'network namespace')} ${namespaces.join(', ')}` : '',
    cgroups > 0 ? counted(cgroups, 'cgroup') : '',
    workdir ? WORKDIR : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'nothing was left to remove' : `removed ${parts.join(', ')}`;
}

/** The bridge in its own namespace, and one veth per host (and the client) plugged into it. */
export async function buildNetwork(top: Topology): Promise<void> {
  await $`ip netns add ${SWITCH}`;
  await $`ip -n ${SWITCH} link add ${BRIDGE} type bridge`;
  await $`ip -n ${SWITCH} link set ${BRIDGE} up`;
  const attach = async (namespace: string, port: string, address: string) => {
    if (namespace !== CLIENT) await $`ip netns add ${namespace}`;
    await $`ip -n ${namespace} link set lo up`;
    await $`ip -n ${namespace} link add eth0 type veth peer name ${port} netns ${SWITCH}`;
    await $`ip -n ${namespace} addr add ${address}/24 dev eth0`;
    await $`ip -n ${namespace} link set eth0 up`;
    await $`ip -n ${SWITCH} link set ${port} master ${BRIDGE} up`;
  };
  await attach(CLIENT, 'p-client', top.clientAddress);
  for (const host of top.hosts) await attach(host.namespace, `p-${host.name}`, host.address);
}

/** Cuts hosts off from each other but not from clients: VRRP between them stops, as in a partition. */
export async function partition(top: Topology, isolated: boolean): Promise<void> {
  for (const host of top.hosts)
    await $`ip netns exec ${SWITCH} bridge link set dev p-${host.name} isolated ${isolated ? 'on' : 'off'}`;
}

const DROP_TABLE = PREFIX;

/**
 * Drops every frame to one address on the bridge (nftables' bridge family, in the bridge's
 * namespace), or removes the rule: what port security does to a VIP missing from a port's allowed
 * addresses. ARP and VRRP still pass, so the owner keeps the VIP and nobody reaches it.
 */
export async function blackhole(address: string, dropping: boolean): Promise<void> {
  const nft = (...args: string[]) => $`ip netns exec ${SWITCH} nft ${args}`;
  if (!dropping) {
    await nft('delete', 'table', 'bridge', DROP_TABLE);
    return;
  }
  await nft('add', 'table', 'bridge', DROP_TABLE);
  await nft(
    ...['add', 'chain', 'bridge', DROP_TABLE, 'forward'],
    ...['{', 'type', 'filter', 'hook', 'forward', 'priority', '0', ';', '}'],
  );
  await nft('add', 'rule', 'bridge', DROP_TABLE, 'forward', 'ip', 'daddr', address, 'drop');
}

/** The VIPs on a host's eth0 now: the ground truth of who serves them. */
export async function vipsOn(host: Host, vips: readonly string[]): Promise<string[]> {
  const addresses = (await $`ip -n ${host.namespace} -4 -o addr show dev eth0`).stdout;
  return vips.filter((vip) => addresses.includes(` ${vip}/`));
}

export interface LabOptions {
  readonly imageEnv: Record<string, string>;
  readonly checkScript: string;
  readonly notifyScript: string;
  /** Prober mode: each host runs the resident prober for these checks, as the ipft-prober sidecar. */
  readonly prober?: { readonly checks: string };
  /** The node that runs the built bundles (--node): the checks, the prober, the exporter and ipft. */
  readonly node: string;
  /** One node per host instead, round robin (--node A,B,C): a lab that mixes releases. */
  readonly nodes?: readonly string[];
}

export type LabMode = 'prober' | 'oneshot';

/** keepalived's check in each mode: verdict.sh ringing the prober, or the one-shot bundle itself. */
export function modeOptions(mode: LabMode, check: string): Pick<LabOptions, 'checkScript' | 'prober'> {
  return mode === 'prober'
    ? { checkScript: `${resolve('dist/checks/verdict.sh')} ${check}`, prober: { checks: check } }
    : { checkScript: resolve(`dist/checks/${check}.js`) };
}

/**
 * CPU limits for the cpu-pressure scenario: a cgroup per limited group of processes, with cgroup v2's
 * cpu.max or v1's cpu.cfs_quota_us, whichever the machine has. A process is put in it before it execs,
 * so that everything it starts (keepalived's VRRP child, every check run) is limited with it.
 */
export class CpuLimit {
  readonly dir: string;
  private readonly version: 1 | 2;

  constructor(name: string, percentOfOneCpu: number) {
    const root = cgroupRoot();
    this.version = root.version;
    this.dir = join(root.path, `${PREFIX}-${name}`);
    mkdirSync(this.dir);
    const period = 100_000;
    const quota = Math.round((period * percentOfOneCpu) / 100);
    if (this.version === 2) writeFileSync(join(this.dir, 'cpu.max'), `${quota} ${period}`);
    else {
      writeFileSync(join(this.dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(this.dir, 'cpu.cfs_quota_us'), String(quota));
    }
  }

  /** `sh -c` that joins the cgroup, then execs the command: the prefix for spawn. */
  wrap(command: string, args: string[]): [string, string[]] {
    return ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', this.dir, command, ...args]];
  }

  /** Removes the cgroup once its processes are gone; rmdir fails while any is left. */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // Still in use: cleanup() removes it after killing what is left.
    }
  }
}

/** Where the lab mounts the CPU controller when /sys shows none: `ip netns exec` remounts /sys without cgroups. */
const CGROUP_MOUNT = `/run/${PREFIX}-cgroup`;
let mounted: { path: string; version: 1 | 2 } | undefined;

/** The CPU controller's hierarchy: cgroup v2's unified one or v1's cpu, mounted here if need be. */
function cgroupRoot(): { path: string; version: 1 | 2 } {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return { path: '/sys/fs/cgroup', version: 2 };
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return { path: '/sys/fs/cgroup/cpu', version: 1 };
  if (mounted) return mounted;
  mkdirSync(CGROUP_MOUNT, { recursive: true });
  // In this process's own mount namespace: it goes with the process.
  for (const [args, version] of [
    [['-t', 'cgroup', '-o', 'cpu', 'cgroup', CGROUP_MOUNT], 1],
    [['-t', 'cgroup2', 'cgroup2', CGROUP_MOUNT], 2],
  ] as const) {
    if (spawnSync('mount', args, { stdio: 'ignore' }).status === 0) {
      mounted = { path: CGROUP_MOUNT, version };
      return mounted;
    }
  }
  throw new Error('cpu-pressure needs the cgroup CPU controller (v1 cpu or v2), and none could be mounted');
}

/** Every lab cgroup, for cleanup after a crash. */
export function labCgroups(): string[] {
  return ['/sys/fs/cgroup', '/sys/fs/cgroup/cpu', CGROUP_MOUNT].flatMap((root) => {
    try {
      return readdirSync(root)
        .filter((name) => name.startsWith(`${PREFIX}-`))
        .map((name) => join(root, name));
    } catch {
      return [];
    }
  });
}

/** keepalived runs `#!/usr/bin/env node` checks, so the bundles' node must be first on its PATH. */
function pathFor(node: string): string {
  return `${dirname(node)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
}

/** A small web app: answers with the host's name; /last-check tells when the host's own check last connected. */
const APP_SOURCE = `
const http = require('node:http');
let lastCheck = 0;
const server = http.createServer((request, response) => {
  if (request.url === '/last-check') return response.end(String(lastCheck));
  response.end(process.env.LAB_HOST + '\\n');
});
server.on('connection', (socket) => { if (socket.remoteAddress === process.env.LAB_NODE_IP) lastCheck = Date.now(); });
server.listen(${APP_PORT}, '0.0.0.0');
`;

/** The processes of one lab host, each started in the host's namespace. */
export class LabHost {
  app: ChildProcess | undefined;
  keepalived: ChildProcess | undefined;
  exporter: ChildProcess | undefined;
  prober: ChildProcess | undefined;
  readonly dir: string;
  readonly stateDir: string;
  /** The prober's IPF_MAINTENANCE_FILE: the lab's stand-in for the Node label. */
  readonly maintenanceFile: string;
  /** The pod's UID in the real thing (downward API); one per host here. */
  readonly podUid: string;
  /** CPU limits of the cpu-pressure scenario: keepalived with its scripts, and the prober apart. */
  keepalivedLimit: CpuLimit | undefined;
  proberLimit: CpuLimit | undefined;

  constructor(
    readonly host: Host,
    readonly top: Topology,
    /** The host's place in the topology: which of `LabOptions.nodes` runs its bundles. */
    private readonly index = top.hosts.indexOf(host),
  ) {
    this.dir = join(WORKDIR, host.name);
    this.stateDir = join(this.dir, 'state');
    this.maintenanceFile = join(this.dir, 'maintenance');
    this.podUid = `00000000-0000-4000-8000-${host.address
      .split('.')
      .map((octet) => octet.padStart(3, '0'))
      .join('')}`;
    mkdirSync(this.stateDir, { recursive: true });
  }

  private spawnIn(
    command: string,
    args: string[],
    env: Record<string, string>,
    log: string,
    limit?: CpuLimit,
  ): ChildProcess {
    const inNamespace: [string, string[]] = ['ip', ['netns', 'exec', this.host.namespace, command, ...args]];
    const [program, programArgs] = limit ? limit.wrap(...inNamespace) : inNamespace;
    const child = spawn(program, programArgs, {
      env: { PATH: pathFor(process.execPath), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => writeFileSync(join(this.dir, log), chunk, { flag: 'a' }));
    return child;
  }

  startApp(): void {
    this.app = this.spawnIn(
      process.execPath,
      ['-e', APP_SOURCE],
      { LAB_HOST: this.host.name, LAB_NODE_IP: this.host.address },
      'app.log',
    );
  }

  async stopApp(): Promise<void> {
    await stop(this.app, 'SIGKILL');
    this.app = undefined;
  }

  /** The node that runs this host's bundles. */
  nodeFor(options: LabOptions): string {
    return options.nodes?.[this.index % options.nodes.length] ?? options.node;
  }

  /** keepalived with the config `ipft render` makes for this host, as the image would on this node. */
  async startKeepalived(options: LabOptions): Promise<void> {
    const env = this.scriptEnv(options);
    const rendered = await $({
      env,
    })`${this.nodeFor(options)} ${resolve('dist/cli.js')} render --node-ip ${this.host.address} --interface eth0`;
    const config = join(this.dir, 'keepalived.conf');
    writeFileSync(config, rendered.stdout);
    this.keepalived = this.spawnIn(
      'keepalived',
      [
        '-n',
        '-l',
        '-P',
        '-f',
        config,
        '-p',
        join(this.dir, 'keepalived.pid'),
        '-r',
        join(this.dir, 'vrrp.pid'),
      ],
      env,
      'keepalived.log',
      this.keepalivedLimit,
    );
  }

  /** The resident prober, as the ipft-prober sidecar runs it: its own process, its heap bounded. */
  startProber(options: LabOptions): void {
    if (!options.prober) return;
    this.prober = this.spawnIn(
      this.nodeFor(options),
      ['--max-old-space-size=64', resolve('dist/checks/prober.js')],
      {
        ...this.scriptEnv(options),
        IPF_CHECKS: options.prober.checks,
        IPF_PROBER_DRAIN_S: '0',
        IPF_MAINTENANCE_FILE: this.maintenanceFile,
      },
      'prober.log',
      this.proberLimit,
    );
  }

  /** Into maintenance (the file is there) or out of it; the prober looks at every probe. */
  setMaintenance(on: boolean): void {
    if (on) writeFileSync(this.maintenanceFile, '');
    else rmSync(this.maintenanceFile, { force: true });
  }

  async stopProber(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stop(this.prober, signal);
    this.prober = undefined;
  }

  /** Waits until the prober answers on its port (its startupProbe in the real thing). */
  async proberReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const probe =
        await $`ip netns exec ${this.host.namespace} bash -c ${`exec 3<>/dev/tcp/127.0.0.1/${PROBER_PORT}`}`.nothrow();
      if (probe.exitCode === 0) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`the prober on ${this.host.name} did not listen within ${timeoutMs / 1000} s`);
  }

  /**
   * The host's link to the bridge, down or up: a node that dies or drops off the network sends
   * nothing more, not even VRRP's priority-0 goodbye (a SIGKILL of keepalived's main process does
   * not do that: its VRRP child then resigns with priority 0).
   */
  async setLink(up: boolean): Promise<void> {
    await $`ip -n ${this.host.namespace} link set eth0 ${up ? 'up' : 'down'}`;
  }

  async stopKeepalived(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stop(this.keepalived, signal);
    this.keepalived = undefined;
  }

  startExporter(options: LabOptions): void {
    this.exporter = this.spawnIn(
      this.nodeFor(options),
      [resolve('dist/exporter/exporter.js')],
      {
        ...this.scriptEnv(options),
        IPF_EXPORTER_HOST: '0.0.0.0',
        IPF_EXPORTER_PORT: String(EXPORTER_PORT),
        IPF_SPOOL_POLL_MS: '250',
        // Every 100 ms, so that an outage it measures compares with the lab's client to a tenth of a second.
        IPF_REACH_INTERVAL_MS: '100',
        IPF_REACH_TIMEOUT_MS: '100',
      },
      'exporter.log',
    );
  }

  /** What keepalived, its scripts and the exporter see: the pod's environment in the real thing. */
  scriptEnv(options: LabOptions): Record<string, string> {
    return {
      ...options.imageEnv,
      OPENSHIFT_HA_CHECK_SCRIPT: options.checkScript,
      OPENSHIFT_HA_NOTIFY_SCRIPT: options.notifyScript,
      IPF_STATE_DIR: this.stateDir,
      IPF_LOG_TO: join(this.dir, 'scripts.log'),
      NODE_NAME: this.host.name,
      IPF_POD_UID: this.podUid,
      IPF_PROBER_PORT: String(PROBER_PORT),
      PATH: pathFor(this.nodeFor(options)),
    };
  }
}

async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** One Prometheus in the client namespace, scraping every exporter once a second with the shipped rules. */
export function startPrometheus(top: Topology): ChildProcess {
  const dir = join(WORKDIR, 'prometheus');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rules.yaml'), ruleGroupsYaml({}));
  const targets = top.hosts
    .map(
      (host) =>
        `      - targets: ['${host.address}:${EXPORTER_PORT}']\n        labels: { node: ${host.name} }`,
    )
    .join('\n');
  writeFileSync(
    join(dir, 'prometheus.yaml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yaml]\nscrape_configs:\n  - job_name: ipfailover-toolkit\n    static_configs:\n${targets}\n`,
  );
  if (!existsSync(join(dir, 'data'))) mkdirSync(join(dir, 'data'));
  return spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yaml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${PROMETHEUS}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
}
