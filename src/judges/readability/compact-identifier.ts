import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadLanguageIdentifier } from './identifier.ts';
import type { LanguageIdentifier } from './language.ts';

let loading: Promise<LanguageIdentifier> | null = null;

/**
 * The same identifier as loadLanguageIdentifier() (eld, medium n-grams: same answers), built from a JSON copy of
 * eld's n-gram table. Importing `eld/medium` parses a 2.4 MB object literal and leaves ~200 MB of RSS (V8 parser
 * memory the allocator keeps, plus the heap); JSON.parse of the same data leaves ~54 MB. The judge guesses every
 * prompt's language with it on the main thread, so this is ~150 MB of a build's peak. The copy is written once, by a
 * child process (whose parse memory is not ours), to node_modules/.cache/distillery/, named by eld's version. Any
 * failure falls back to loadLanguageIdentifier() with one line on stderr. Main thread only: it needs import.meta,
 * which the worker bundles refuse (the worker uses identifier.ts, and only for languages script cannot tell).
 */
export function loadCompactLanguageIdentifier(): Promise<LanguageIdentifier> {
  loading ??= compactIdentifier().catch((e: Error) => {
    process.stderr.write(`readability: compact language identifier unavailable (${e.message}); loading eld/medium instead\n`);
    return loadLanguageIdentifier();
  });
  return loading;
}

async function compactIdentifier(): Promise<LanguageIdentifier> {
  // …/node_modules/eld/src/entries/static.medium.js → eld's src/ and the node_modules folder holding it.
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('eld/medium'))), '..');
  const pkg = path.dirname(src);
  const { version } = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string };
  const cacheDir = path.join(path.dirname(pkg), '.cache', 'distillery');
  const json = path.join(cacheDir, `eld-medium-${version}.json`);
  if (!existsSync(json)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${json}.${process.pid}.tmp`;
    // tmp + rename: concurrent builds never read a half-written copy.
    const script = `import { writeFileSync, renameSync } from 'node:fs';
const { ngramsData } = await import(${JSON.stringify(pathToFileURL(path.join(src, 'ngrams', 'medium.js')).href)});
writeFileSync(${JSON.stringify(tmp)}, JSON.stringify(ngramsData));
renameSync(${JSON.stringify(tmp)}, ${JSON.stringify(json)});`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  }
  const { createEld } = (await import(pathToFileURL(path.join(src, 'languageDetector.js')).href)) as { createEld(): { instance: { detect(s: string): { language: string; isReliable(): boolean } }; loadData(d: unknown): boolean } };
  const { instance, loadData } = createEld();
  if (!loadData(JSON.parse(readFileSync(json, 'utf8')))) throw new Error(`${json}: eld refused the n-gram data; delete the file to rebuild it`);
  return (sentence: string) => {
    const r = instance.detect(sentence);
    return r.isReliable() ? r.language : '';
  };
}
