/**
 * The layering of the code, pinned: imports go down, never up. The ground floor (schemas/: the data contracts,
 * ConfigError, canonicalJson, the manifest schema, the response layout) imports nothing from src/; the tools
 * (src/config, src/workers, src/collections) import only the ground floor and each other; each stage imports only
 * what lies below it; the composition (src/pipeline, src/report, src/cluster, src/cli, src/index.ts) may import all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/engine-fixture.ts';

type Layer = 'ground' | 'tools' | 'sources' | 'models' | 'judges' | 'select' | 'sinks' | 'composition';

/** What each layer may import besides itself (packages and node: builtins always). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  ground: [],
  tools: ['ground'],
  sources: ['ground', 'tools'],
  // Backends read recordings and batch results with the sources' readers.
  models: ['ground', 'tools', 'sources'],
  // A generative judge calls a model.
  judges: ['ground', 'tools', 'models'],
  select: ['ground', 'tools'],
  sinks: ['ground', 'tools'],
  composition: ['ground', 'tools', 'sources', 'models', 'judges', 'select', 'sinks'],
};

function layerOf(file: string): Layer | null {
  const rel = path.relative(repoRoot, file).split(path.sep);
  if (rel[0] === 'schemas') return 'ground';
  if (rel[0] !== 'src') return null;
  const top = rel[1];
  if (top === 'config' || top === 'workers' || top === 'collections') return 'tools';
  if (top === 'sources' || top === 'models' || top === 'judges' || top === 'select' || top === 'sinks') return top;
  return 'composition';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Relative module specifiers of a file: static imports and exports, and dynamic import('…') of a string literal. */
function relativeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}

const files = [...sourceFiles(path.join(repoRoot, 'schemas')), ...sourceFiles(path.join(repoRoot, 'src'))];

test('layering: every relative import of src/ and schemas/ goes down (or stays within its layer)', () => {
  const upward: string[] = [];
  let edges = 0;
  for (const file of files) {
    const from = layerOf(file)!;
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const to = layerOf(path.resolve(path.dirname(file), spec));
      edges++;
      if (to === null || to === from || MAY_IMPORT[from].includes(to)) continue;
      upward.push(`${path.relative(repoRoot, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  assert.ok(edges > 300, `parsed the imports (${edges} edges)`);
  assert.deepEqual(upward, []);
});

test('layering: the ground floor imports nothing from src/, and holds ConfigError, canonicalJson and the manifest schema', async () => {
  for (const file of files.filter((f) => layerOf(f) === 'ground')) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) assert.equal(layerOf(path.resolve(path.dirname(file), spec)), 'ground', `${path.relative(repoRoot, file)} imports ${spec}`);
  }
  const { ConfigError } = await import('../schemas/config-error.ts');
  const { canonicalJson } = await import('../schemas/canonical-json.ts');
  const { Manifest } = await import('../schemas/manifest.ts');
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  assert.equal(typeof Manifest.parse, 'function');
  // Every ConfigError anywhere is this one class (subclasses allowed): no look-alike classes of the same name.
  const imitations = files.filter((f) => /class\s+ConfigError\b|name\s*=\s*['"]ConfigError['"]/.test(readFileSync(f, 'utf8')) && !f.endsWith(path.join('schemas', 'config-error.ts')));
  assert.deepEqual(imitations.map((f) => path.relative(repoRoot, f)), []);
  assert.equal(new ConfigError('x').name, 'ConfigError');
});

test('layering: the checker sees an upward import', () => {
  assert.deepEqual(relativeImports("import { a } from '../pipeline/define.ts';\nexport { b } from './b.ts';\nconst c = await import('../sinks/x.ts');"), ['../pipeline/define.ts', './b.ts', '../sinks/x.ts']);
  assert.equal(MAY_IMPORT.sources.includes(layerOf(path.join(repoRoot, 'src/pipeline/define.ts'))!), false);
});
