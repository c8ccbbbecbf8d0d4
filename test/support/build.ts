import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** What this run's `node scripts/build.mjs` printed (test/package.test.ts: only the ConfigMaps' sizes). */
    buildOutput: { readonly stdout: string; readonly stderr: string };
  }
}

/** The smoke tests run the real bundles, so every test run builds them first. */
export default function setup(project: TestProject): void {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  process.stdout.write(build.stdout);
  process.stderr.write(build.stderr);
  if (build.error) throw build.error;
  if (build.status !== 0) throw new Error(`scripts/build.mjs exited ${build.status ?? build.signal}`);
  project.provide('buildOutput', { stdout: build.stdout, stderr: build.stderr });
}
