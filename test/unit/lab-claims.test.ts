// The README's scenario table claims only what the scenarios assert: its "asserted" cells are the
// claims in lab/scenario-claims.ts, whose checks test/lab.test.ts matches against real runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimsCell, scenarioClaims } from '../../lab/scenario-claims.ts';
import { scenarios } from '../../lab/scenarios.ts';

function readmeRows(): Map<string, string> {
  const rows = new Map<string, string>();
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('| scenario | what happens | asserted |'));
  for (const line of table.split('\n').slice(2)) {
    if (!line.startsWith('| `')) break;
    const cells = line.split(' | ');
    const name = /^\| `([^`]+)`/.exec(line)?.[1] ?? '';
    rows.set(name, (cells.at(-1) ?? '').replace(/ \|$/, ''));
  }
  return rows;
}

describe('the README scenario table', () => {
  it('has one row per scenario, and every scenario has claims', () => {
    expect([...readmeRows().keys()]).toEqual(Object.keys(scenarios));
    expect(Object.keys(scenarioClaims)).toEqual(Object.keys(scenarios));
  });

  it.each(Object.keys(scenarios))('%s: the "asserted" cell is exactly its claims', (name) => {
    expect(readmeRows().get(name)).toBe(claimsCell(name));
  });
});
