import { readFileSync } from 'node:fs';
import { satisfies, subset, validRange } from 'semver';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  readonly engines?: { readonly node?: string };
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

describe('the Node.js range package.json states', () => {
  it('is one every locked dependency declares, so npm ci prints no EBADENGINE warning on it', () => {
    const range = manifest.engines.node;
    expect(validRange(range), range).not.toBeNull();
    const narrower = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, locked]) => {
        const declared = locked.engines?.node;
        return declared === undefined || subset(range, declared) ? [] : [`${path}: ${declared}`];
      });
    expect(narrower).toEqual([]);
  });

  it('holds the Node.js that runs these tests', () => {
    expect(satisfies(process.version, manifest.engines.node), process.version).toBe(true);
  });
});
