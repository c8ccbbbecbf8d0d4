// `npm run bench -- [--check] [PART…]`: runs bench/checks.ts, bench/exporter.ts and bench/prober.ts
// (or the parts named), each in a process of its own as before, then prints one line of targets met
// and missed. Informational: exit 0 whatever was missed; with --check, exit 1 when a target was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asUserError } from '../core/errors.ts';
import {
  BENCH_USAGE,
  benchVerdict,
  parseBenchArguments,
  readTargetResults,
  TARGETS_FILE_VARIABLE,
} from './targets.ts';

let options: ReturnType<typeof parseBenchArguments>;
try {
  options = parseBenchArguments(process.argv.slice(2));
} catch (error) {
  const known = asUserError(error);
  if (!known) throw error;
  process.stderr.write(`bench: ${known.message}\n`);
  process.exit(known.exitCode);
}
if (options.help) {
  process.stdout.write(BENCH_USAGE);
  process.exit(0);
}

const directory = mkdtempSync(join(tmpdir(), 'ipft-bench-targets-'));
const targetsFile = join(directory, 'targets.jsonl');
writeFileSync(targetsFile, '');
const failed: string[] = [];
for (const part of options.parts) {
  // process.execArgv carries tsx's loader, so each part runs as `tsx bench/PART.ts` did.
  const run = spawnSync(process.execPath, [...process.execArgv, join(import.meta.dirname, `${part}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, [TARGETS_FILE_VARIABLE]: targetsFile },
  });
  if (run.status !== 0) {
    failed.push(`bench/${part}.ts (exit ${run.status ?? run.signal})`);
    break;
  }
}
const verdict = benchVerdict(readTargetResults(targetsFile), options.check, failed);
rmSync(directory, { recursive: true, force: true });
console.log(`\n${verdict.summary}`);
process.exitCode = verdict.exitCode;
