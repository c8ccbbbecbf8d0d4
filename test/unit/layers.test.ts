// The layers of the README's "What is here" table, held: every relative import of every .ts and .mjs
// file, read from its syntax tree (so an import in a comment or a string does not count), must point
// down the order below, and the file-level import graph must have no cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Bottom to top. A file imports its own folder and the rows below its own, never a folder of its own row:
 * checks, notify and the exporter are separate programs, and lab, bench and scripts separate tools.
 * Only test/ sits above everything, so nothing outside it imports from it.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['checks', 'notify', 'exporter'],
  ['packaging'],
  ['cli'],
  ['testkit'],
  ['lab', 'bench', 'scripts'],
  ['test'],
];
const SHIPPED = new Set(LAYERS.slice(0, 4).flat());

const ROOT = resolve(import.meta.dirname, '../..');

interface Import {
  readonly specifier: string;
  readonly line: number;
}

/** An edge of the graph: `from` and `to` are paths from the repository root. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
  readonly line: number;
}

/** The relative imports of one file: static, re-exports, `import()` calls and `import('…')` types. */
function relativeImports(fileName: string, text: string): Import[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: Import[] = [];
  const add = (node: ts.Node, specifier: string) => {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) return;
    found.push({ specifier, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      // A computed specifier could point anywhere: it is reported, so that it cannot hide an edge.
      if (argument && ts.isStringLiteralLike(argument)) add(node, argument.text);
      else found.push({ specifier: `import(${argument?.getText(source) ?? ''})`, line: 0 });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node, node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|mjs)$/.test(name))
    .map((name) => join(folder, name));
}

/** Every relative import of every file of the layers, as edges between repository paths. */
function importGraph(): Edge[] {
  return LAYERS.flat()
    .flatMap(sourceFiles)
    .flatMap((from) =>
      relativeImports(from, readFileSync(join(ROOT, from), 'utf8')).map(({ specifier, line }) => ({
        from,
        to: specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(from), specifier)) : specifier,
        specifier,
        line,
      })),
    );
}

const folderOf = (path: string) => path.split('/')[0] ?? '';
const rowOf = (folder: string) => LAYERS.findIndex((row) => row.includes(folder));

/** Each edge that breaks the order, as `file:line imports 'specifier': why`. */
function layerViolations(edges: readonly Edge[]): string[] {
  return edges.flatMap((edge) => {
    const where = `${edge.from}:${edge.line} imports '${edge.specifier}'`;
    if (edge.specifier.startsWith('import(')) return [`${where}: a computed specifier cannot be checked`];
    const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
    const [fromRow, toRow] = [rowOf(from), rowOf(to)];
    if (from === to || toRow === -1 || toRow < fromRow) return [];
    if (to === 'test') {
      const what = SHIPPED.has(from) ? 'shipped code' : `${from}/`;
      return [`${where}: ${what} never imports from test/`];
    }
    if (toRow === fromRow)
      return [`${where}: ${from}/ and ${to}/ are separate and may not import each other`];
    return [`${where}: ${from}/ sits below ${to}/ (${LAYERS.map((row) => row.join('/')).join(' ← ')})`];
  });
}

/** The cycles of the file graph, each as its files in import order, the first repeated at the end. */
function importCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const done = new Set<string>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (file: string): void => {
    const onPath = path.indexOf(file);
    if (onPath !== -1) {
      cycles.push([...path.slice(onPath), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const target of next.get(file) ?? []) visit(target);
    path.pop();
    done.add(file);
  };
  for (const file of [...next.keys()].sort()) visit(file);
  return cycles;
}

describe('the layers of the repository', () => {
  const edges = importGraph();

  it('sees the imports it checks, dynamic ones included', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual(
      expect.objectContaining({ from: 'cli/main.ts', to: 'packaging/command.ts' }),
    );
  });

  it('every import points down the order, and nothing outside test/ imports from test/', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('no file imports itself through others', () => {
    expect(importCycles(edges)).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('reads static, type, re-exported and dynamic imports, not those in comments or strings', () => {
    const text = [
      "import { a } from '../core/a.ts';",
      "import type { B } from './b.ts';",
      "export { c } from '../exporter/c.ts';",
      "import 'node:fs';",
      '// import { d } from "../test/d.ts";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test holds a template literal
      "const e = `import { e } from '../test/e.ts'; ${'x'}`;",
      'const s = "import(\'../test/s.ts\')";',
      "const f = await import('../packaging/f.ts');",
      "let g: typeof import('../cli/g.ts');",
      'const h = await import(name);',
    ].join('\n');
    expect(relativeImports('lab/x.ts', text)).toEqual([
      { specifier: '../core/a.ts', line: 1 },
      { specifier: './b.ts', line: 2 },
      { specifier: '../exporter/c.ts', line: 3 },
      { specifier: '../packaging/f.ts', line: 8 },
      { specifier: '../cli/g.ts', line: 9 },
      { specifier: 'import(name)', line: 0 },
    ]);
  });

  it('flags a wrong-way edge, an edge between siblings, a reach into test/ and a cycle', () => {
    const edge = (from: string, to: string): Edge => ({ from, to, specifier: `./${to}`, line: 1 });
    const edges = [
      edge('cli/main.ts', 'packaging/command.ts'),
      edge('packaging/command.ts', 'cli/context.ts'),
      edge('cli/context.ts', 'cli/main.ts'),
      edge('checks/tcp.ts', 'exporter/settings.ts'),
      edge('bench/checks.ts', 'test/support/pki.ts'),
      edge('lab/scenarios.ts', 'bench/measure.ts'),
      edge('test/a.test.ts', 'lab/main.ts'),
      edge('core/probe.ts', 'core/settings.ts'),
    ];
    expect(layerViolations(edges)).toEqual([
      "packaging/command.ts:1 imports './cli/context.ts': packaging/ sits below cli/ (core ← checks/notify/exporter ← packaging ← cli ← testkit ← lab/bench/scripts ← test)",
      "checks/tcp.ts:1 imports './exporter/settings.ts': checks/ and exporter/ are separate and may not import each other",
      "bench/checks.ts:1 imports './test/support/pki.ts': bench/ never imports from test/",
      "lab/scenarios.ts:1 imports './bench/measure.ts': lab/ and bench/ are separate and may not import each other",
    ]);
    expect(layerViolations([edge('exporter/app.ts', 'test/support/harness.ts')])).toEqual([
      "exporter/app.ts:1 imports './test/support/harness.ts': shipped code never imports from test/",
    ]);
    expect(importCycles(edges)).toEqual([
      ['cli/context.ts', 'cli/main.ts', 'packaging/command.ts', 'cli/context.ts'],
    ]);
  });
});
