// `npm run readme` (after a build): rewrites the README's generated blocks; test/unit/readme.test.ts
// fails when one from the code is stale, test/readme-figures.test.ts when one from the build is.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildFigureBlocks, generatedBlocks } from './readme-blocks.ts';

let readme = readFileSync('README.md', 'utf8');
for (const [name, content] of Object.entries({ ...generatedBlocks(), ...buildFigureBlocks('dist') })) {
  const pattern = new RegExp(`(<!-- ${name}:begin[^>]*-->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
  if (!pattern.test(readme)) throw new Error(`README.md has no <!-- ${name}:begin --> block`);
  readme = readme.replace(pattern, (_, begin: string, end: string) => `${begin}${content}${end}`);
}
writeFileSync('README.md', readme);
