import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { median } from '../testkit/statistics.ts';

export interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface Figures {
  readonly name: string;
  readonly cpuMs: number;
  readonly maxRssKib: number;
  readonly exits: readonly number[];
}

/**
 * Medians of CPU time and peak RSS per invocation, measured by bench/rusage.py. Asynchronous, so
 * that loopback servers in this process keep answering while the commands run.
 */
export async function measure(commands: readonly Command[], rounds: number): Promise<Map<string, Figures>> {
  const child = spawn('python3', [join(import.meta.dirname, 'rusage.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify({ rounds, commands }));
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`bench/rusage.py exited ${status}`);
  const samples = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { name: string; cpu_ms: number; max_rss_kib: number; exit: number });
  return new Map(
    commands.map(({ name }) => {
      const mine = samples.filter((sample) => sample.name === name);
      return [
        name,
        {
          name,
          cpuMs: median(mine.map((sample) => sample.cpu_ms)),
          maxRssKib: median(mine.map((sample) => sample.max_rss_kib)),
          exits: [...new Set(mine.map((sample) => sample.exit))],
        },
      ];
    }),
  );
}

async function rusage(input: object): Promise<unknown[]> {
  const child = spawn('python3', [join(import.meta.dirname, 'rusage.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify(input));
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (status !== 0) throw new Error(`bench/rusage.py exited ${status}`);
  return output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

export interface Burst {
  readonly name: string;
  readonly cpuS: number;
  readonly wallS: number;
  /** Epoch seconds at which the last copy exited. */
  readonly lastExit: number;
  readonly exits: readonly number[];
}

/** `count` copies of a command started at once (`{i}` in argv becomes 1..count): summed CPU and wall time. */
export async function burst(command: Command, count: number): Promise<Burst> {
  const [line] = (await rusage({ burst: { ...command, count } })) as {
    name: string;
    cpu_s: number;
    wall_s: number;
    last_exit: number;
    exits: number[];
  }[];
  if (!line) throw new Error('bench/rusage.py printed nothing');
  return {
    name: line.name,
    cpuS: line.cpu_s,
    wallS: line.wall_s,
    lastExit: line.last_exit,
    exits: line.exits,
  };
}

export interface Target {
  readonly name: string;
  readonly cpuRatio?: number;
  readonly rssRatio?: number;
}

/** Prints each command against the `node -e 0` floor and the stock check, with each target met or not (and records it). */
export function report(
  figures: Map<string, Figures>,
  floor: string,
  stock: string,
  targets: readonly Target[],
  target: (name: string, met: boolean) => string,
): void {
  const base = figures.get(floor);
  const bash = figures.get(stock);
  if (!base || !bash) throw new Error('the baselines were not measured');
  console.log(
    `${'command'.padEnd(22)} ${'CPU ms'.padStart(8)} ${'× node'.padStart(7)} ${'× bash'.padStart(7)} ${'RSS MiB'.padStart(8)} ${'× node'.padStart(7)}  target`,
  );
  for (const row of figures.values()) {
    const wanted = targets.find((candidate) => candidate.name === row.name);
    const cpuRatio = row.cpuMs / base.cpuMs;
    const rssRatio = row.maxRssKib / base.maxRssKib;
    const verdicts: string[] = [];
    for (const [what, ratio, limit] of [
      ['CPU', cpuRatio, wanted?.cpuRatio],
      ['RSS', rssRatio, wanted?.rssRatio],
    ] as const) {
      if (limit === undefined) continue;
      verdicts.push(`${what} ≤ ${limit}× ${target(`${row.name} ${what} ≤ ${limit}× node`, ratio <= limit)}`);
    }
    console.log(
      `${row.name.padEnd(22)} ${row.cpuMs.toFixed(1).padStart(8)} ${cpuRatio.toFixed(2).padStart(7)} ${(row.cpuMs / bash.cpuMs).toFixed(1).padStart(7)} ${(row.maxRssKib / 1024).toFixed(1).padStart(8)} ${rssRatio.toFixed(2).padStart(7)}  ${verdicts.join(', ')}${row.exits.some((code) => code !== 0) ? `  (exit codes ${row.exits.join(',')}!)` : ''}`,
    );
  }
}
