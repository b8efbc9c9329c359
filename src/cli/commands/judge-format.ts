import { judgeFormat } from '../../judges/format.ts';
import { judgeSpec, runJsonlJudgeCommand } from '../jsonl-judge-command.ts';

export const spec = judgeSpec('format', {
  summary: 'Judge the R1 output format: nothing before <think>, non-empty reasoning, </think>, then a final answer.',
  input: '"response" (a string), optional "id" and "finish_reason" ("length" means cut off)',
  output: '{id?, verdict, category, reason, score, defects}',
  flags: { 'prefilled-think': { type: 'boolean', help: 'the chat template pre-fills <think>: a response may start inside the reasoning' } },
});

/** `distillery judge format --input cases.jsonl [--output out.jsonl] [--prefilled-think]`: lines carry `response`. */
export async function run(argv: string[]): Promise<number> {
  let prefilledThink = false;
  return runJsonlJudgeCommand(
    argv,
    spec,
    async (row) => {
      if (typeof row.response !== 'string') throw new Error('missing string field "response"');
      const finishReason = row.finish_reason === 'length' || row.finish_reason === 'error' ? row.finish_reason : 'stop';
      const v = judgeFormat({ prefill: '', text: row.response, finishReason, error: null }, { prefilledThink });
      return { verdict: v.verdict, category: v.category, reason: v.reason, score: v.score, defects: (v.detail?.problems as string[] | undefined) ?? [] };
    },
    { onOptions: (v) => (prefilledThink = v['prefilled-think'] === true) },
  );
}
