// The layer rules of src/ (docs/architecture.md): no module imports a higher layer, and no files import each
// other in a loop. Read from the sources' own import lines, tests left out.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';

const SRC = path.resolve(__dirname, '../../src');

/** Bottom to top; a module may import its own layer and those below. The first matching prefix decides. */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'core/'],
  ['text/', 'ops/', 'parallel/', 'store/'],
  ['data/', 'nn/', 'losses/', 'metrics/'],
  ['registry/', 'config/types.ts', 'config/sections.ts'],
  ['config/'],
  ['runtime/'],
  ['sweep/', 'report/', 'bench/', 'cli/', 'index.ts'],
  ['commands/'],
];

function layerOf(rel: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((prefixes, i) => {
    for (const p of prefixes)
      if ((rel === p || rel.startsWith(p)) && p.length > bestLength) [best, bestLength] = [i, p.length];
  });
  if (best < 0) throw new Error(`${rel} is in no layer: add its folder to LAYERS (and to docs/architecture.md)`);
  return best;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Each source's relative imports (static, dynamic and require.resolve), as paths under src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:from|import|require(?:\.resolve)?)\s*\(?\s*'(\.[^']*)'/g)) {
      const base = path.resolve(path.dirname(file), m[1]!);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
      if (hit?.startsWith(SRC)) targets.push(path.relative(SRC, hit));
    }
    graph.set(path.relative(SRC, file), targets);
  }
  return graph;
}

describe('layers of src/', () => {
  const graph = importGraph();

  it('no module imports a higher layer', () => {
    const upward = [...graph].flatMap(([from, tos]) =>
      tos.filter((to) => layerOf(to) > layerOf(from)).map((to) => `${from} -> ${to}`),
    );
    assert.deepEqual(upward, []);
  });

  it('no import cycles', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('the rules see the imports (a known edge is found)', () => {
    assert.ok(graph.get('runtime/run.ts')?.includes('store/store.ts'));
    assert.equal(layerOf('core/rng.ts'), 0);
  });
});
