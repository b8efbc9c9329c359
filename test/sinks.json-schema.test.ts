import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { jsonSchemaFiles } from '../schemas/json-schema.ts';

test('schemas/json/*.schema.json are up to date with the zod schemas (run `npm run schemas:export`)', async () => {
  const dir = new URL('../schemas/json/', import.meta.url);
  const files = jsonSchemaFiles();
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.schema.json')).sort(), [...files.keys()].sort());
  for (const [name, text] of files) assert.equal(await readFile(new URL(name, dir), 'utf8'), text, `${name} is stale: run npm run schemas:export`);
});

test('exported JSON Schemas say what the records require', async () => {
  const sft = JSON.parse(jsonSchemaFiles().get('sft-record.schema.json')!);
  assert.equal(sft.properties.messages.type, 'array');
  assert.deepEqual(sft.properties.messages.items.required, ['role', 'content']);
  assert.ok(sft.required.includes('prompt_tokens'));
  const gen = JSON.parse(jsonSchemaFiles().get('generation-config.schema.json')!);
  assert.ok(!(gen.required ?? []).includes('k'), 'input form: fields with defaults are optional');
});
