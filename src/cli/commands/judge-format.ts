import { judgeFormat } from '../../judges/format.ts';
import { runJsonlJudgeCommand } from '../jsonl-judge-command.ts';

/** `distillery judge format --input cases.jsonl [--output out.jsonl] [--prefilled-think]`: lines carry `response`. */
export async function run(argv: string[]): Promise<number> {
  let prefilledThink = false;
  return runJsonlJudgeCommand(
    argv,
    'format',
    async (row) => {
      if (typeof row.response !== 'string') throw new Error('missing string field "response"');
      const finishReason = row.finish_reason === 'length' || row.finish_reason === 'error' ? row.finish_reason : 'stop';
      const v = judgeFormat({ prefill: '', text: row.response, finishReason, error: null }, { prefilledThink });
      return { verdict: v.verdict, category: v.category, reason: v.reason, score: v.score, defects: (v.detail?.problems as string[] | undefined) ?? [] };
    },
    { extraOptions: { 'prefilled-think': { type: 'boolean' } }, onOptions: (v) => (prefilledThink = v['prefilled-think'] === true) },
  );
}
