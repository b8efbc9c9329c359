import { z } from 'zod';
import { GenerationConfig } from './generation.ts';
import { Prompt } from './prompt.ts';
import { DistillRecord, PrefRecord, QuarantineRecord, SampleRecord, SftRecord } from './records.ts';
import { Sample } from './sample.ts';
import { Verdict } from './verdict.ts';
import { Manifest } from './manifest.ts';

/**
 * JSON Schema files (schemas/json/<name>.schema.json) for users outside TypeScript, derived from the zod schemas.
 * `io: 'input'` for what users write (defaults make fields optional), `'output'` for what Distillery writes.
 */
const EXPORTS: { name: string; schema: z.ZodType; io: 'input' | 'output'; title: string }[] = [
  { name: 'prompt', schema: Prompt, io: 'input', title: 'Distillery prompt (a source row after column mapping)' },
  { name: 'generation-config', schema: GenerationConfig, io: 'input', title: 'Distillery generation config' },
  { name: 'sample', schema: Sample, io: 'output', title: 'Distillery sample (one generated answer)' },
  { name: 'verdict', schema: Verdict, io: 'output', title: 'Distillery judge verdict' },
  { name: 'sft-record', schema: SftRecord, io: 'output', title: 'Row of the sft/ corpus' },
  { name: 'distill-record', schema: DistillRecord, io: 'output', title: 'Row of the distill/ corpus' },
  { name: 'sample-record', schema: SampleRecord, io: 'output', title: 'Row of the samples/ corpus' },
  { name: 'pref-record', schema: PrefRecord, io: 'output', title: 'Row of the prefs/ corpus' },
  { name: 'quarantine-record', schema: QuarantineRecord, io: 'output', title: 'Line of a quarantine/*.jsonl file' },
  { name: 'manifest', schema: Manifest, io: 'output', title: 'manifest.json of a build directory' },
];

/** File name → file text, deterministic (stable key order from the zod shapes). */
export function jsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of EXPORTS) {
    const json = { title: e.title, ...z.toJSONSchema(e.schema, { io: e.io, target: 'draft-2020-12' }) };
    files.set(`${e.name}.schema.json`, `${JSON.stringify(json, null, 2)}\n`);
  }
  return files;
}
