import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** What this run's `node scripts/build.mjs` printed (test/package.test.ts: only the ConfigMaps' sizes). */
    buildOutput: { readonly stdout: string; readonly stderr: string };
  }
}

/**
 * The smoke tests run the real bundles, so every test run builds them first, unless IPF_PREBUILT=DIR
 * says dist/ is built already, by `node scripts/build.mjs` with its stdout and stderr in
 * DIR/build.stdout and DIR/build.stderr, and that other runs use it meanwhile (.ci/run runs the
 * prober's soak beside the lab): the build removes dist/ first, so a second one would pull it from
 * under them. The lab (lab/main.ts) skips its build then too.
 */
export default function setup(project: TestProject): void {
  const prebuilt = process.env.IPF_PREBUILT;
  if (prebuilt) {
    project.provide('buildOutput', {
      stdout: readFileSync(join(prebuilt, 'build.stdout'), 'utf8'),
      stderr: readFileSync(join(prebuilt, 'build.stderr'), 'utf8'),
    });
    return;
  }
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  process.stdout.write(build.stdout);
  process.stderr.write(build.stderr);
  if (build.error) throw build.error;
  if (build.status !== 0) throw new Error(`scripts/build.mjs exited ${build.status ?? build.signal}`);
  project.provide('buildOutput', { stdout: build.stdout, stderr: build.stderr });
}
