import { execFileSync } from 'node:child_process';

/** The smoke tests run the real bundles, so every test run builds them first. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
