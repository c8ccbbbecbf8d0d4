import { readdirSync, readFileSync } from 'node:fs';
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

it('the "What is here" row of deploy/ names every manifest kept there', () => {
  const row = readFileSync('README.md', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('| `deploy/` |'));
  expect(row).toBeDefined();
  for (const file of readdirSync('deploy')) expect(row, file).toContain(`\`${file}\``);
});
