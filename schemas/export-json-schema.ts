/** `npm run schemas:export`: (re)write schemas/json/*.schema.json from the zod schemas. */
import { mkdir, writeFile } from 'node:fs/promises';
import { jsonSchemaFiles } from './json-schema.ts';

const dir = new URL('./json/', import.meta.url);
await mkdir(dir, { recursive: true });
for (const [name, text] of jsonSchemaFiles()) {
  await writeFile(new URL(name, dir), text);
  console.log(`schemas/json/${name}`);
}
