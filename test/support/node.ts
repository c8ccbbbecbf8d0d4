import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';

/**
 * The `node` that runs the built bundles in the system tests: `IPF_TEST_NODE` if set, else the node
 * running vitest. `.ci/run` sets it to each Node.js release it supports in turn, so that a bundle
 * that does not run on one of them fails CI; the tests themselves, and the build, stay on vitest's node.
 */
export const bundleNode: string = chosenNode(process.env.IPF_TEST_NODE);

function chosenNode(given: string | undefined): string {
  if (given === undefined || given === '') return process.execPath;
  // The checks run through their `#!/usr/bin/env node` line, which finds only a file named node.
  if (!isAbsolute(given) || basename(given) !== 'node') {
    throw new Error(
      `IPF_TEST_NODE: expected an absolute path to a file named node, got ${JSON.stringify(given)}`,
    );
  }
  try {
    accessSync(given, constants.X_OK);
  } catch (error) {
    throw new Error(`IPF_TEST_NODE: cannot execute ${given} (${(error as Error).message})`);
  }
  return realpathSync(given);
}

/** PATH with bundleNode's folder first: a bundle run by its `#!/usr/bin/env node` line gets bundleNode. */
export function pathWithBundleNode(path: string = process.env.PATH ?? '/usr/bin:/bin'): string {
  return `${dirname(bundleNode)}:${path}`;
}
