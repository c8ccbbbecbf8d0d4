// `npm run lab`: real keepalived on network namespaces, with the toolkit's checks, hook, exporter,
// rules and rendered config, a live view, and failover scenarios. Runs as root.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { asUserError, UsageError, UserError } from '../core/errors.ts';
import {
  IMAGE_ENV_OPTION,
  readImageEnvFile,
  refuseEnvFileOption,
} from '../core/ipfailover/image-env-file.ts';
import { expandVirtualIps } from '../core/ipfailover/vips.ts';
import { Lab } from './lab.ts';
import { liveView, TOUR_IDLE_MS } from './live.ts';
import { claimLab, releaseDeadOwner, releaseLab } from './owner.ts';
import { liveReport } from './progress.ts';
import { cleanup, describeRemoved, type LabMode, labNamespaces, modeOptions } from './runtime.ts';
import { DEFAULT_SIZE, GRID_PHASES, GRID_SCENARIOS, type ScenarioSize } from './scenario-kit.ts';
import { PROBER_ONLY, scenarios } from './scenarios.ts';
import {
  CLIENT,
  chooseSubnet,
  labImageEnv,
  parseHostCount,
  subnetOfVips,
  type Topology,
  topology,
} from './topology.ts';
import { runTour } from './tour.ts';

$.quiet = true;

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const usage = `npm run lab -- [--hosts N] [--mode prober|oneshot] [--image-env FILE] [--check-script PATH]
                   [--notify-script PATH] [--node PATH[,PATH…]] [--scenario NAME[,NAME…]|all] [--grid] [--runs N]
                   [--tour] [--cleanup] [-h|--help]
With no --scenario and no --tour: the live view, with keys; the guided tour starts after ${TOUR_IDLE_MS / 1000} s idle.
--tour: the guided tour alone, without a terminal; exits 0 when every VIP moved as narrated
--mode: prober (the default: each host runs the resident prober, keepalived runs verdict.sh) or oneshot
        (keepalived runs the check bundle itself)
--node: the node that runs the built bundles (checks, prober, exporter, ipft), e.g. another Node.js
        release; the lab itself and the build stay on this node. Several, comma-separated: host i runs
        the i-th (round robin), so one lab mixes releases as a rolling upgrade of the nodes would
scenarios: ${Object.keys(scenarios).join(', ')} (${[...PROBER_ONLY].join(', ')} in prober mode only)
Each scenario's default form asserts its claims in about a minute. The measuring forms:
--grid: service-down times every check at 2 s and the prober at 1 s over ${GRID_PHASES} phases each, against
        the stock check (about 9 minutes in prober mode); maintenance and rolling-restart also compare
        with a SIGKILL of keepalived
--runs N: cpu-pressure waits for N check runs per case (default ${DEFAULT_SIZE.runs}; 300 takes about 16 minutes)`;

const values = readOptions();

function readOptions() {
  try {
    refuseEnvFileOption(process.argv.slice(2));
    return parseArgs({
      options: {
        hosts: { type: 'string', default: '3' },
        mode: { type: 'string', default: 'prober' },
        [IMAGE_ENV_OPTION]: { type: 'string' },
        'check-script': { type: 'string' },
        'notify-script': { type: 'string' },
        node: { type: 'string' },
        scenario: { type: 'string' },
        grid: { type: 'boolean' },
        runs: { type: 'string' },
        tour: { type: 'boolean' },
        cleanup: { type: 'boolean' },
        inside: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // Before anything is built or made: nothing to wait for.
    process.exit(exitCodeFor(error));
  }
}

function fail(message: string): never {
  throw new UserError(message);
}

const tools = {
  keepalived: 'keepalived',
  prometheus: 'prometheus',
  ip: 'iproute2',
  bridge: 'iproute2',
  nft: 'nftables',
};

async function ensureTools(): Promise<void> {
  const missing = [];
  for (const [tool, pkg] of Object.entries(tools))
    if ((await $`which ${tool}`.nothrow()).exitCode !== 0) missing.push(pkg);
  if (missing.length === 0) return;
  const packages = [...new Set(missing)];
  if (!existsSync('/etc/debian_version')) {
    fail(
      `install ${packages.join(' ')} (keepalived 2.x, Prometheus 2.x with promtool, iproute2 with ip and bridge, nftables), then run again`,
    );
  }
  process.stderr.write(`lab: installing ${packages.join(' ')} with apt-get\n`);
  await $({ env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get update -qq`;
  await $({
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })`apt-get install -y -qq --no-install-recommends ${packages}`;
}

/**
 * Every argument error, before anything is checked, installed or made; the inner run repeats it on
 * the same arguments, so both read them one way.
 */
function checkArguments(): {
  hosts: number;
  envFile: Record<string, string>;
  /** The subnet the env file's VIPs are in; undefined: the lab picks one and its VIPs. */
  vipSubnet: string | undefined;
  /** The scenarios to run, in order; none without --scenario. */
  names: string[];
  /** The bundles' node of each host in turn (round robin); one for all unless --node names several. */
  nodes: string[];
  size: ScenarioSize;
} {
  const mode = values.mode;
  if (mode !== 'prober' && mode !== 'oneshot')
    throw new UsageError(`--mode: expected prober or oneshot, got "${mode}"`);
  const names = scenarioNames(values.scenario, mode);
  if (values.tour && values.scenario)
    throw new UsageError('--tour: expected either --tour or --scenario, got both');
  const size = scenarioSize(names, values.grid === true, values.runs);
  const hosts = parseHostCount(values.hosts);
  for (const option of ['check-script', 'notify-script'] as const) {
    const path = values[option];
    if (path !== undefined && !isExecutableFile(path))
      throw new UsageError(
        `--${option}: expected an executable regular file, got ${JSON.stringify(path.slice(0, 200))}`,
      );
  }
  const nodes = (values.node === undefined ? [process.execPath] : values.node.split(',')).map((path) => {
    const node = resolve(path);
    // The one-shot checks find it by their `#!/usr/bin/env node` line, through PATH: only a file named node.
    if (values.node !== undefined && (basename(node) !== 'node' || !isExecutableFile(node)))
      throw new UsageError(
        `--node: expected an executable regular file named node, got ${JSON.stringify(path.slice(0, 200))}`,
      );
    return realpathSync(node);
  });
  const envPath = values[IMAGE_ENV_OPTION];
  const envFile = envPath === undefined ? {} : readImageEnvFile(envPath);
  const vipSubnet = subnetOfVips(expandVirtualIps(envFile.OPENSHIFT_HA_VIRTUAL_IPS ?? ''));
  return { hosts, envFile, vipSubnet, names, nodes, size };
}

/** `--scenario all`, one name, or several comma-separated; in one-shot mode, those that do not need the prober. */
function scenarioNames(scenario: string | undefined, mode: LabMode): string[] {
  if (scenario === undefined) return [];
  if (scenario === 'all')
    return Object.keys(scenarios).filter((name) => mode === 'prober' || !PROBER_ONLY.has(name));
  const names = scenario.split(',');
  for (const name of names) {
    if (!scenarios[name])
      throw new UsageError(
        `--scenario: expected all or one of ${Object.keys(scenarios).join(', ')}, got "${name}"`,
      );
    if (mode === 'oneshot' && PROBER_ONLY.has(name))
      throw new UsageError(`--scenario ${name}: runs in prober mode only`);
  }
  return [...new Set(names)];
}

/** --grid and --runs size the scenarios that measure; elsewhere they would change nothing, so they are refused. */
function scenarioSize(names: readonly string[], grid: boolean, runs: string | undefined): ScenarioSize {
  const takes = (option: string, sized: readonly string[]) => {
    if (!sized.some((name) => names.includes(name)))
      throw new UsageError(
        `--${option}: sizes --scenario ${sized.join(', ')} (or all), got ${names.length > 0 ? `--scenario ${names.join(',')}` : 'no --scenario'}`,
      );
  };
  if (grid) takes('grid', GRID_SCENARIOS);
  const phases = grid ? GRID_PHASES : DEFAULT_SIZE.phases;
  if (runs === undefined) return { grid, phases, runs: DEFAULT_SIZE.runs };
  takes('runs', ['cpu-pressure']);
  if (!/^[1-9]\d{0,3}$/.test(runs))
    throw new UsageError(
      `--runs: expected a whole number from 1 to 9999, got ${JSON.stringify(runs.slice(0, 200))}`,
    );
  return { grid, phases, runs: Number(runs) };
}

/** Outside: checks, picks the subnet, then runs the lab inside the client namespace and cleans up after it. */
async function outside(): Promise<void> {
  const { vipSubnet } = checkArguments();
  if (process.getuid?.() !== 0) fail('the lab makes network namespaces and runs keepalived: run it as root');
  if (values.cleanup) {
    // A running lab's owner sees its child die, removes what is left and gives the lab up itself.
    releaseDeadOwner();
    process.stdout.write(`lab: ${describeRemoved(await cleanup())}\n`);
    return;
  }
  await ensureTools();
  const claim = claimLab();
  if (!claim.claimed)
    fail(
      `a lab is running (pid ${claim.owner.pid}): wait for it to end, or stop it with npm run lab -- --cleanup`,
    );
  process.on('exit', () => releaseLab());
  if ((await labNamespaces()).length > 0) {
    // Its owner is gone (killed, or its machine's session ended): nothing will ever remove it but us.
    const by = claim.previous ? `a run that is gone (pid ${claim.previous.pid})` : 'an earlier run';
    process.stderr.write(`lab: a lab was left behind by ${by}: ${describeRemoved(await cleanup())}\n`);
  }
  const subnet = chooseSubnet((await $`ip -4 route show table all`).stdout, vipSubnet);
  // Unless dist/ is built already and other runs use it (IPF_PREBUILT, test/support/build.ts).
  if (!process.env.IPF_PREBUILT) await $`${process.execPath} scripts/build.mjs`;
  await $`ip netns add ${CLIENT}`;
  const args = process.argv.slice(2).filter((arg) => arg !== '--inside');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      CLIENT,
      process.execPath,
      '--import',
      'tsx',
      'lab/main.ts',
      '--inside',
      subnet,
      ...args,
    ],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches the child too; this process waits for it, then removes what is left.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const code = await new Promise<number>((done) => child.on('exit', (status) => done(status ?? 1)));
  process.stderr.write(`lab: ${describeRemoved(await cleanup())}\n`);
  process.exit(code);
}

/**
 * The lab's image environment with the env file's values over it. The lab sends traffic to its VIPs:
 * the lab's own are in its subnet, and the outer run chose the subnet of the file's (checkArguments).
 */
function imageEnv(
  top: Topology,
  envFile: Record<string, string>,
  vipSubnet: string | undefined,
): Record<string, string> {
  if (vipSubnet !== undefined && vipSubnet !== top.subnet)
    throw new Error(`the VIPs are in ${vipSubnet}.0/24, the lab in ${top.subnet}.0/24`);
  return { ...labImageEnv(top), ...envFile };
}

/** Inside the client namespace: builds the hosts, then the live view or the scenarios. */
async function inside(subnet: string): Promise<void> {
  const { hosts, envFile, vipSubnet, names, nodes, size } = checkArguments();
  const [node = process.execPath] = nodes;
  const top = topology(subnet, hosts);
  const mode: LabMode = values.mode === 'oneshot' ? 'oneshot' : 'prober';
  const lab = new Lab(top, {
    imageEnv: imageEnv(top, envFile, vipSubnet),
    ...(values['check-script']
      ? { checkScript: resolve(values['check-script']) }
      : modeOptions(mode, 'http-check')),
    notifyScript: resolve(values['notify-script'] ?? 'dist/notify/notify.sh'),
    node,
    ...(nodes.length > 1 ? { nodes } : {}),
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nlab: stopping the hosts…\n');
    await lab.stop();
    process.stderr.write(`lab: ${describeRemoved(await cleanup([process.pid, process.ppid]))}\n`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(1));
  const self = realpathSync(process.execPath);
  const runtimes = [];
  for (const [index, host] of top.hosts.entries()) {
    const hostNode = nodes[index % nodes.length] ?? self;
    if (hostNode !== self)
      runtimes.push(
        `${host.name} on Node.js ${(await $`${hostNode} --version`).stdout.trim()} (${hostNode})`,
      );
  }
  const runtime = runtimes.length > 0 ? `, the bundles of ${runtimes.join(', ')}` : '';
  process.stderr.write(
    `lab: ${top.hosts.length} hosts on ${subnet}.0/24, VIPs ${lab.vips.join(', ')}, ${mode} mode${runtime}; starting…\n`,
  );
  // Setup takes 20 to 60 s (readiness of every prober, Prometheus, VRRP settling): each step is
  // printed as it starts, with a heartbeat while it lasts, so a terminal or CI log is never silent.
  const setupStarted = Date.now();
  const setup = liveReport('setup', (text) => process.stderr.write(text));
  try {
    setup.step('starting namespaces, apps, checks, keepalived and exporters');
    await lab.start();
    setup.step('waiting for Prometheus to answer');
    await lab.waitForPrometheus();
    setup.step('waiting for every VIP to settle on one host');
    const settled = await lab.settle(90_000);
    setup.line(`VIPs settled: ${[...settled].map(([vip, host]) => `${vip} on ${host}`).join(', ')}`);
  } finally {
    setup.close();
  }

  if (values.tour) {
    const report = liveReport('tour', (text) => process.stdout.write(text));
    let crashed: string | undefined;
    try {
      await runTour(lab, report, new AbortController().signal);
    } catch (error) {
      crashed = `FAIL ${(error as Error).message}`;
      report.step(crashed);
    } finally {
      report.close();
    }
    const passed = report.passed && crashed === undefined;
    process.stdout.write(`\ntour: ${passed ? 'PASS' : 'FAIL'}\n${report.lines.join('\n')}\n\n`);
    return stop(passed ? 0 : 1);
  }
  if (!values.scenario) {
    await liveView(
      lab,
      () => stop(0),
      () => stopping,
    );
    return;
  }
  let failed = 0;
  const seconds = (since: number) => Math.round((Date.now() - since) / 1000);
  // One line a CI log can quote: where the time went, setup included.
  const times = [`setup ${seconds(setupStarted)} s`];
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) continue;
    const started = Date.now();
    const report = liveReport(name, (text) => process.stdout.write(text));
    let crashed: string | undefined;
    try {
      await scenario(lab, report, size);
    } catch (error) {
      crashed = `  FAIL ${(error as Error).message}`;
      report.step(crashed.trim());
    } finally {
      report.close();
    }
    const passed = report.passed && crashed === undefined;
    if (!passed) failed += 1;
    times.push(`${name} ${seconds(started)} s`);
    const lines = crashed === undefined ? report.lines : [...report.lines, crashed];
    process.stdout.write(
      `\nscenario ${name}: ${passed ? 'PASS' : 'FAIL'} (${seconds(started)} s)\n${lines.join('\n')}\n\n`,
    );
  }
  process.stdout.write(`\n${names.length - failed} of ${names.length} scenarios passed\n`);
  process.stdout.write(`lab times, ${mode} mode: ${times.join(', ')}\n`);
  await stop(failed === 0 ? 0 : 1);
}

/** The one place the lab turns an error into an exit code: a UserError is one line; any other error is a bug, shown in full. */
function exitCodeFor(error: unknown): number {
  const userError = asUserError(error);
  if (!userError) throw error;
  process.stderr.write(`lab: ${userError.message}\n`);
  return userError.exitCode;
}

try {
  if (values.help) process.stdout.write(`${usage}\n`);
  else if (values.inside) await inside(values.inside);
  else await outside();
} catch (error) {
  process.exitCode = exitCodeFor(error);
}
