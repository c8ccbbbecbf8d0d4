// `npm run readme`: rewrites the README's generated blocks; test/unit/readme.test.ts fails when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedBlocks } from './readme-blocks.ts';

let readme = readFileSync('README.md', 'utf8');
for (const [name, content] of Object.entries(generatedBlocks())) {
  const pattern = new RegExp(`(<!-- ${name}:begin[^>]*-->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- ${name}:begin --> block`);
  readme = readme.replace(pattern, (_, begin: string, end: string) => `${begin}${content}${end}`);
}
writeFileSync('README.md', readme);
