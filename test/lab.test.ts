import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOUR_IDLE_MS } from '../lab/live.ts';
import { claimLab, OWNER_FILE, processStart, releaseLab } from '../lab/owner.ts';
import { scenarioClaims } from '../lab/scenario-claims.ts';
import { CHECK_DEPENDENT, scenarios } from '../lab/scenarios.ts';
import { goneProcess } from './support/processes.ts';

/**
 * The lab's scenarios under real keepalived, Prometheus and namespaces, in both modes: the prober
 * (the default) and one-shot. They take about a quarter of an hour and need root, so CI (CI=true) always runs them
 * and fails when the lab cannot start; elsewhere they run with IPF_LAB=1 and are skipped otherwise,
 * with this message. The lab's own report lines are passed through as they come.
 */
const run = process.env.CI === 'true' || process.env.IPF_LAB === '1';
if (!run) {
  console.log(
    'lab scenarios skipped: set IPF_LAB=1 (as root) to run them with npm test, or run `npm run lab -- --scenario all`',
  );
}

function runLab(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ output: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'lab', '--', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const pass = (chunk: Buffer) => {
      output += chunk;
      process.stdout.write(chunk);
    };
    child.stdout.on('data', pass);
    child.stderr.on('data', pass);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ output, status });
    });
  });
}

describe('a lab that runs, or one that was left behind', () => {
  it.runIf(run)('a running lab is never touched: a second one is refused, naming its owner', async () => {
    // This test process stands in for the running lab's owner.
    expect(claimLab(), 'no lab may run while the lab tests do').toMatchObject({ claimed: true });
    try {
      const { output, status } = await runLab(['--scenario', 'service-down'], 120_000);
      expect(status).toBe(1);
      expect(output).toContain(`lab: a lab is running (pid ${process.pid}): wait for it to end`);
    } finally {
      releaseLab();
    }
  });
});

/**
 * What a killed run leaves: a host namespace with a process in it, and the file of an owner that is
 * gone. The next lab (the prober run below) removes it, says so, and runs.
 */
async function leaveALabBehind(): Promise<{ pid: number; leftover: number }> {
  // From a clean slate, so the report names exactly what this left.
  expect((await runLab(['--cleanup'], 60_000)).status).toBe(0);
  expect(spawnSync('ip', ['netns', 'add', 'ipftlab-h1']).status).toBe(0);
  const leftover = spawn('ip', ['netns', 'exec', 'ipftlab-h1', 'sleep', '900'], {
    detached: true,
    stdio: 'ignore',
  });
  leftover.unref();
  const gone = await goneProcess();
  writeFileSync(OWNER_FILE, `${gone.pid} ${gone.started}\n`);
  await new Promise((done) => setTimeout(done, 200));
  return { pid: gone.pid, leftover: leftover.pid ?? 0 };
}

/**
 * IPF_LAB_NODES=PATH,PATH,…: the prober-mode run's hosts run the bundles on these nodes, one each
 * (`npm run lab -- --node`): .ci/run names Node.js 22, 24 and 26, so every scenario runs on a lab
 * that mixes the supported releases, as a cluster mid-upgrade does. One-shot mode and the tour stay
 * on this node.
 */
const labNodes = process.env.IPF_LAB_NODES ? ['--node', process.env.IPF_LAB_NODES] : [];

/**
 * Each scenario in its default form, which asserts every claim once in about a minute; the measuring
 * forms (--grid, --runs 300) are for a benchmark run, not for CI. One-shot mode runs the scenarios
 * whose outcome depends on the check's mode.
 */
const oneshot = CHECK_DEPENDENT.join(',');
describe.each([
  {
    mode: 'prober',
    names: Object.keys(scenarios),
    args: ['--scenario', 'all', ...labNodes],
    shown: `--scenario all${labNodes.length > 0 ? ' --node …' : ''}`,
    minutes: 20,
  },
  {
    mode: 'oneshot',
    names: CHECK_DEPENDENT,
    args: ['--scenario', oneshot],
    shown: `--scenario ${oneshot}`,
    minutes: 8,
  },
])('lab scenarios in $mode mode (npm run lab -- --mode $mode $shown)', ({ mode, names, args, minutes }) => {
  let output = '';
  let status: number | null = null;
  let leftBehind: { pid: number; leftover: number } | undefined;
  beforeAll(
    async () => {
      if (!run) return;
      if (mode === 'prober') leftBehind = await leaveALabBehind();
      ({ output, status } = await runLab(['--mode', mode, ...args], minutes * 60_000));
    },
    (minutes + 1) * 60_000,
  );

  // Registered in prober mode only (its run comes first), so that one-shot mode skips nothing.
  if (mode === 'prober')
    it.runIf(run)('first removes a lab left behind by a killed run, and says so', () => {
      expect(output).toContain(
        `lab: a lab was left behind by a run that is gone (pid ${leftBehind?.pid}): removed 1 process, network namespace ipftlab-h1\n`,
      );
      expect(processStart(leftBehind?.leftover ?? 0), 'the process left in the namespace').toBeUndefined();
    });

  it.runIf(run).each([...names])('%s passes, with an ok line for every claim of the README table', (name) => {
    expect(output).toMatch(new RegExp(`^scenario ${name}: PASS`, 'm'));
    // The report after the scenario's summary line, up to the blank line that ends it.
    const report = output.slice(output.indexOf(`\nscenario ${name}: `) + 1).split('\n\n')[0] ?? '';
    const oks = report
      .split('\n')
      .filter((line) => line.startsWith('  ok   '))
      .map((line) => line.slice('  ok   '.length));
    // The default form, as CI runs it: the claims of the measuring form (--grid) are not made.
    for (const claim of (scenarioClaims[name] ?? []).filter((entry) => !entry.grid))
      expect(oks.filter((line) => claim.check.test(line)).length, claim.text).toBeGreaterThanOrEqual(
        claim.count ?? 1,
      );
  });

  it.runIf(run)('the lab run exits 0 and leaves no namespace behind', () => {
    expect(status).toBe(0);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/ipftlab-/);
  });
});

describe('the guided tour without a terminal (npm run lab -- --tour)', () => {
  let output = '';
  let status: number | null = null;
  beforeAll(async () => {
    if (!run) return;
    ({ output, status } = await runLab(['--tour'], 10 * 60_000));
  }, 11 * 60_000);

  it.runIf(run)('narrates each step and sees every VIP move as it says', () => {
    for (const step of ['1/3 service down', '2/3 recovery', '3/3 node down', 'tour done'])
      expect(output).toContain(step);
    expect(output).toMatch(/ok {3}\S+ moved h\d → h\d: \d+ ms from the app's death/);
    expect(output).toMatch(/^tour: PASS$/m);
  });

  it.runIf(run)('moves the first VIP within 60 s of the view appearing: the idle wait, then the tour', () => {
    const firstMove = output.match(/\[\s*([\d.]+) s\] tour: ok {3}\S+ moved/);
    expect(firstMove, 'a timed move in the tour').not.toBeNull();
    // Interactive, the tour starts after TOUR_IDLE_MS without a key; --tour starts it at once.
    expect(TOUR_IDLE_MS + Number(firstMove?.[1]) * 1000).toBeLessThan(60_000);
  });

  it.runIf(run)('exits 0 and leaves no namespace behind', () => {
    expect(status).toBe(0);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toMatch(/ipftlab-/);
  });
});
