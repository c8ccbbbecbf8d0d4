import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { settingsTables } from '../core/catalog.ts';

it('the README lists every setting with its default, as the specs define them', () => {
  const readme = readFileSync('README.md', 'utf8');
  const table = /<!-- settings-tables:begin[^>]*-->\n([\s\S]*?)\n<!-- settings-tables:end -->/.exec(
    readme,
  )?.[1];
  expect(table).toBe(settingsTables());
});

it('the README starts with the set-up command and the test command', () => {
  const readme = readFileSync('README.md', 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(firstBlock).toContain('npm ci && npm test');
  expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.test).toBe('vitest run');
});
