import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { buildFigureBlocks, readmeBlock } from '../scripts/readme-blocks.ts';

// Here, not in test/unit: the figures come from this run's build (the globalSetup), so they are
// compared exactly with what `npm run readme` writes from the same build.
it.each(Object.entries(buildFigureBlocks('dist')))(
  'the README block %s matches the build (npm run readme rewrites it)',
  (name, content) => {
    expect(readmeBlock(readFileSync('README.md', 'utf8'), name)).toBe(content);
  },
);
