import { UsageError } from '../args.ts';
import { loadCompactLanguageIdentifier } from '../../judges/readability/compact-identifier.ts';
import { checkReadability, needsIdentifier, readabilityVerdict, type ReadabilityThresholds } from '../../judges/readability/index.ts';
import { judgeSpec, runJsonlJudgeCommand } from '../jsonl-judge-command.ts';

export const spec = judgeSpec('readability', {
  summary: 'Judge readability: language mixing against the target language, repetition, overlong paragraphs and other defects.',
  input: '"response" (a string), optional "id", "language", "prompt", "domain", "finish_reason"',
  output: '{id?, verdict, category, reason, language_consistency, language, defects, metrics}',
  flags: {
    thresholds: { type: 'string', value: 'JSON', help: 'threshold overrides, e.g. \'{"maxParagraphChars":4000}\'' },
    'prefilled-think': { type: 'boolean', help: 'the chat template pre-fills <think>' },
  },
});

/**
 * `distillery judge readability --input cases.jsonl [--output out.jsonl] [--thresholds JSON] [--prefilled-think]`:
 * lines carry `response`, and optionally `language`, `prompt`, `domain`, `finish_reason`.
 */
export async function run(argv: string[]): Promise<number> {
  let thresholds: ReadabilityThresholds = {};
  return runJsonlJudgeCommand(
    argv,
    spec,
    async (row) => {
      if (typeof row.response !== 'string') throw new Error('missing string field "response"');
      const str = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : undefined);
      const language = thresholds.language ?? str('language');
      const identify = needsIdentifier(language) ? await loadCompactLanguageIdentifier() : undefined;
      const report = checkReadability({ response: row.response, language, prompt: str('prompt'), domain: str('domain'), finishReason: str('finish_reason') }, thresholds, identify);
      const v = readabilityVerdict(report);
      return { verdict: v.verdict, category: v.category, reason: v.reason, language_consistency: report.languageConsistency, language: report.targetLanguage, defects: report.defects.map((d) => d.kind), metrics: report.metrics };
    },
    {
      onOptions: (v) => {
        if (typeof v.thresholds === 'string') {
          try {
            thresholds = JSON.parse(v.thresholds) as ReadabilityThresholds;
          } catch (e) {
            throw new UsageError(`--thresholds must be JSON, e.g. '{"maxParagraphChars":4000}' (${(e as Error).message})`);
          }
        }
        if (v['prefilled-think'] === true) thresholds = { ...thresholds, prefilledThink: true };
      },
    },
  );
}
