import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generatedBlocks, readmeBlock } from '../../scripts/readme-blocks.ts';

it.each(Object.entries(generatedBlocks()))(
  'the README block %s matches the code (npm run readme rewrites it)',
  (name, content) => {
    expect(readmeBlock(readFileSync('README.md', 'utf8'), name)).toBe(content);
  },
);

it('the README starts with the set-up command and the test command', () => {
  const readme = readFileSync('README.md', 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(firstBlock).toContain('npm ci && npm test');
  expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.test).toBe('vitest run');
});
