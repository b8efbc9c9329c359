// After `tsc -p tsconfig.build.json`: tsc rewrites the relative `.ts` imports of the emitted JavaScript to `.js`
// (rewriteRelativeImportExtensions) but leaves them as `.ts` in the declarations, where a consumer's compiler
// looks for the .ts sources the package does not ship. Point them at the emitted files: './x.ts' → './x.js'.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? 'dist';
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.([cm]?)ts(['"])/g;
let files = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = path.join(entry.parentPath ?? entry.path, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, (_m, head, spec, m, tail) => `${head}${spec}.${m}js${tail}`);
  if (fixed !== text) {
    writeFileSync(file, fixed);
    files++;
  }
}
console.log(`declarations: relative .ts imports now .js in ${files} files under ${root}/`);
