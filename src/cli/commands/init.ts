import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_VERSION } from '../../config/package-root.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';

export const spec: CommandSpec = {
  name: 'init',
  summary: 'Scaffold a pipeline project: package.json, a pipeline importing from distillery, a small prompt file and a README.\nIt runs as is with the bundled model: npm install, then npm run build.',
  usage: '[DIR] [--force]',
  flags: {
    force: { type: 'boolean', help: 'write into a directory that is not empty (existing files are kept)' },
  },
};

const PROMPTS = [
  { id: 'add-1', prompt: 'What is 12 + 30?', reference: '42', domain: 'math' },
  { id: 'mul-1', prompt: 'What is 6 times 7?', reference: '42', domain: 'math' },
  { id: 'sub-1', prompt: 'What is 100 - 58?', reference: '42', domain: 'math' },
  { id: 'frac-1', prompt: 'What is half of 84?', reference: '42', domain: 'math' },
];

const PIPELINE = `/**
 * A Distillery pipeline: prompts → a model → judges → selected samples as Parquet corpora.
 *   npx distillery run pipeline.ts --out out/build      (or: npm run build)
 *   npx distillery run pipeline.ts --help               (this pipeline's parameters)
 */
import { defineParameters, definePipeline, formatJudge, jsonl, keepAccepted, mathJudge, onnx, z } from 'distillery';

const params = defineParameters({
  k: z.number().int().min(1).default(4).describe('samples per prompt'),
  prompts: z.string().default('prompts.jsonl').describe('the prompt file (JSONL: id, prompt, reference, domain)'),
});

export default definePipeline({
  name: 'my-pipeline',
  sources: [jsonl(new URL(params.prompts, import.meta.url))],
  // The tiny reasoning model bundled with Distillery; openai({ baseUrl, model }) for a real teacher.
  backend: onnx(),
  generation: { k: params.k, temperature: 0.8, maxTokens: 200 },
  judges: [formatJudge({ prefilledThink: true }), mathJudge({ workers: 1 })],
  selection: keepAccepted({ maxPerPrompt: 1, prefer: 'shortest', prefsPerPrompt: 1 }),
});
`;

const README = (name: string) => `# ${name}

A [Distillery](https://www.npmjs.com/package/distillery) pipeline project.

    npm install
    npm run build                       # = distillery run pipeline.ts --out out/build
    npx distillery inspect out/build    # rows, acceptance, rejection reasons

- \`pipeline.ts\`: where prompts come from, which model samples them, which judges decide, what is kept.
  \`npx distillery run pipeline.ts --help\` lists its parameters; set them with \`--set k=8\`.
- \`prompts.jsonl\`: one prompt a line (\`id\`, \`prompt\`, \`reference\`, \`domain\`).
- \`out/build/\`: \`sft/\`, \`distill/\`, \`samples/\`, \`prefs/\` Parquet shards and a manifest.
`;

/** `distillery init [DIR]`: a project that runs as is (the bundled model, four prompts). */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 1) throw new UsageError('expected at most one directory: distillery init [DIR]');
  const dir = path.resolve(parsed.positionals[0] ?? '.');
  if (existsSync(dir) && readdirSync(dir).length > 0 && parsed.values.force !== true) {
    throw new UsageError(`${dir} is not empty: give a new directory, or --force to add the files that are missing`);
  }
  mkdirSync(dir, { recursive: true });
  const name = path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'distillery-pipeline';
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module', scripts: { build: 'distillery run pipeline.ts --out out/build', inspect: 'distillery inspect out/build' }, dependencies: { distillery: `^${PACKAGE_VERSION}` } }, null, 2)}\n`,
    'pipeline.ts': PIPELINE,
    'prompts.jsonl': PROMPTS.map((p) => JSON.stringify(p)).join('\n') + '\n',
    'README.md': README(name),
    '.gitignore': 'node_modules/\nout/\n',
  };
  const written: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, file);
    if (existsSync(target)) continue;
    writeFileSync(target, text);
    written.push(file);
  }
  const rel = path.relative(process.cwd(), dir) || '.';
  console.log(`distillery init: wrote ${written.join(', ') || 'nothing (every file exists)'} in ${rel}`);
  console.log(`next: cd ${rel} && npm install && npm run build`);
  return 0;
}
