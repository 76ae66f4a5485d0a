// Checks the import graph of src/ against DESIGN.md's "Which way imports point": every import goes
// to a lower layer or stays inside its own module, and no two modules import each other, directly
// or through others. Type-only imports count too: they are arrows all the same.
//
//   node --import tsx scripts/check-imports.ts      (exit 1 and a list when an arrow is wrong)

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Top to bottom; modules on one line are one layer. */
export const LAYERS: string[][] = [
  ['main', 'cli', 'bootstrap'],
  ['http'],
  // The MCP tools: a client of the HTTP API (for cli/ and http/), importing only api/'s request schemas.
  ['mcp'],
  ['idempotency'],
  ['pipeline', 'tasks', 'webhooks'],
  ['routing', 'billing'],
  ['providers', 'catalog', 'fetch', 'storage', 'config'],
  ['api'],
  ['util'],
];

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g;

/** `src/http/routes/x.ts` → `http`; `src/main.ts` → `main`. */
export function moduleOf(file: string): string {
  const [first] = path.relative(SRC, file).split(path.sep);
  return first.replace(/\.ts$/, '');
}

function layerOf(module: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(module));
  if (index === -1) throw new Error(`module ${module} is in no layer of scripts/check-imports.ts`);
  return index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

export interface ImportProblem {
  from: string;
  to: string;
  why: string;
}

export function checkImports(): { problems: ImportProblem[]; edges: number } {
  const problems: ImportProblem[] = [];
  const moduleEdges = new Map<string, Set<string>>();
  let edges = 0;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), match[1] ?? match[2]);
      const from = moduleOf(file);
      const to = moduleOf(target);
      edges++;
      if (from === to) continue;
      const where = `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`;
      if (layerOf(to) < layerOf(from)) problems.push({ from: where, to, why: `${from} (layer ${layerOf(from)}) imports ${to} (layer ${layerOf(to)}), above it` });
      if (!moduleEdges.has(from)) moduleEdges.set(from, new Set());
      moduleEdges.get(from)!.add(to);
    }
  }
  for (const cycle of cycles(moduleEdges)) problems.push({ from: cycle.join(' → '), to: cycle[0], why: 'modules import each other' });
  return { problems, edges };
}

/** Each elementary cycle between modules, found by a depth-first walk from every module. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found = new Map<string, string[]>();
  const walk = (start: string, node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const cycle = [...trail, start];
        found.set([...cycle].sort().join(','), cycle);
      } else if (!trail.includes(next)) walk(start, next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) walk(start, start, [start]);
  return [...found.values()];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { problems, edges } = checkImports();
  for (const p of problems) console.log(`${p.from}: ${p.why}`);
  console.log(`${edges} imports checked, ${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
