import { Prompt } from '../../../schemas/prompt.ts';
import type { Sample } from '../../../schemas/sample.ts';
import type { Backend } from '../../models/sampler.ts';
import { generativeJudge } from '../../judges/generative/index.ts';
import { coalescing } from '../../judges/generative/coalesce.ts';
import type { GenerativeMode, JudgeTemplate } from '../../judges/generative/templates.ts';
import type { Judge } from '../../judges/judge.ts';
import { UsageError } from '../args.ts';
import { judgeSpec, runJsonlJudgeCommand } from '../jsonl-judge-command.ts';

export const spec = judgeSpec('generative', {
  summary: 'Judge with a language model: correctness against a reference, or helpfulness / harmlessness of an answer to a prompt.\nWithout --model or --base-url, the bundled ONNX model judges.',
  input: '"response" (a string), "reference" (correctness) or "prompt" (helpfulness, harmlessness), optional "id"',
  output: '{id?, verdict, category, reason, score, detail}',
  flags: {
    mode: { type: 'string', value: 'MODE', help: 'correctness (default) | helpfulness | harmlessness' },
    model: { type: 'string', value: 'DIR', help: 'an ONNX model directory to judge with' },
    'base-url': { type: 'string', value: 'URL', help: 'an OpenAI-compatible server to judge with (with --model-name)' },
    'model-name': { type: 'string', value: 'NAME', help: 'the model the server at --base-url serves' },
    template: { type: 'string', value: 'JSON', help: 'a judge template, e.g. \'{"user":"… {reference} … {candidate} …"}\'' },
    'max-tokens': { type: 'string', value: 'N', help: "the judge's token budget" },
    'prefilled-think': { type: 'boolean', help: 'the chat template pre-fills <think>' },
  },
});

const MODES = ['correctness', 'helpfulness', 'harmlessness'];

/**
 * `distillery judge generative --input cases.jsonl [--output F] [--mode correctness|helpfulness|harmlessness]
 *  [--model DIR | --base-url URL --model-name NAME] [--template JSON] [--max-tokens N] [--prefilled-think]`.
 * Lines carry `response`, and `reference` (correctness) or `prompt` (helpfulness/harmlessness).
 * Without --model or --base-url, the bundled ONNX model judges.
 */
export async function run(argv: string[]): Promise<number> {
  let judge: Judge | null = null;
  let prefilledThink = false;
  try {
    return await runJsonlJudgeCommand(
      argv,
      spec,
      async (row) => {
        if (typeof row.response !== 'string') throw new Error('missing string field "response"');
        const prompt = Prompt.parse({
          id: String(row.id ?? 'line'),
          messages: [{ role: 'user', content: typeof row.prompt === 'string' && row.prompt !== '' ? row.prompt : '(no prompt given)' }],
          reference: typeof row.reference === 'string' ? row.reference : row.reference == null ? null : String(row.reference),
          source: 'cli',
        });
        const text = prefilledThink && !row.response.trimStart().startsWith('<think>') ? '<think>' + row.response : row.response;
        const sample: Sample = { key: `${prompt.id}#0@cli`, promptId: prompt.id, index: 0, configHash: 'cli', prefill: '', text, finishReason: 'stop', promptTokens: 0, completionTokens: 0, model: 'input', error: null };
        const [v] = await judge!.judge(prompt, [sample], { previous: [] });
        return { verdict: v!.verdict, category: v!.category, reason: v!.reason, score: v!.score, detail: v!.detail };
      },
      {
        concurrency: 64,
        setup: async (values) => {
        const mode = (values.mode as string | undefined) ?? 'correctness';
        if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
        prefilledThink = values['prefilled-think'] === true;
        let template: JudgeTemplate | undefined;
        if (typeof values.template === 'string') {
          try {
            template = JSON.parse(values.template) as JudgeTemplate;
          } catch (e) {
            throw new UsageError(`--template must be JSON like '{"user":"… {reference} … {candidate} …"}' (${(e as Error).message})`);
          }
        }
        const maxTokens = values['max-tokens'] ? Number(values['max-tokens']) : undefined;
        if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) throw new UsageError('--max-tokens must be a positive integer');
        judge = generativeJudge({ sampler: coalescing(await backendFrom(values)), mode: mode as GenerativeMode, template, generation: maxTokens ? { maxTokens } : undefined });
        },
      },
    );
  } finally {
    await (judge as Judge | null)?.close?.();
  }
}

async function backendFrom(values: Record<string, unknown>): Promise<Backend> {
  if (values['base-url'] !== undefined) {
    if (typeof values['model-name'] !== 'string') throw new UsageError('--base-url needs --model-name (the model the server serves)');
    if (values.model !== undefined) throw new UsageError('give --model (ONNX dir) or --base-url, not both');
    const { openai } = await import('../../models/openai/index.ts');
    return openai({ baseUrl: values['base-url'] as string, model: values['model-name'] as string });
  }
  const { onnx } = await import('../../models/onnx/index.ts');
  return onnx(typeof values.model === 'string' ? { model: values.model } : {});
}
