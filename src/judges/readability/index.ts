import { checkOptionKeys } from '../../config/strict-options.ts';
import type { Prompt } from '../../../schemas/prompt.ts';
import { promptText } from '../../../schemas/prompt.ts';
import type { Sample } from '../../../schemas/sample.ts';
import { responseOf } from '../../../schemas/sample.ts';
import { verdict } from '../../../schemas/verdict.ts';
import { parseLanguage } from '../code/extract-program.ts';
import type { Judge } from '../judge.ts';
import { checkReadability, DEFAULT_READABILITY, needsIdentifier, readabilityVerdict, type ReadabilityInput, type ReadabilityReport, type ReadabilityThresholds } from './check.ts';
import { loadCompactLanguageIdentifier } from './compact-identifier.ts';
import { guessLanguage } from './language.ts';
import { ReadabilityWorkerPool } from './worker-pool.ts';

export * from './check.ts';

/**
 * The target language for a prompt: thresholds, then meta.language, then a guess from the prompt text. A code
 * prompt's meta.language names its programming language (the code judge reads it), not the reasoning's.
 */
function promptLanguage(prompt: Prompt, thresholds: ReadabilityThresholds): string | undefined {
  const meta = prompt.meta.language;
  return thresholds.language ?? (typeof meta === 'string' && meta !== '' && parseLanguage(meta) === null ? meta : undefined);
}

export interface ReadabilityJudgeOptions {
  /**
   * Worker threads that run the checks (default 1: the checks then use another core than the engine's main
   * thread). 0 runs them in the calling thread.
   */
  workers?: number;
}

/** R1's readability filter as a judge; each defect with a reason, the language consistency as score. */
export function readabilityJudge(thresholds: ReadabilityThresholds = {}, judgeOptions: ReadabilityJudgeOptions = {}): Judge {
  checkOptionKeys('readabilityJudge', thresholds, ['language', ...Object.keys(DEFAULT_READABILITY)]);
  checkOptionKeys('readabilityJudge (second argument)', judgeOptions, ['workers']);
  const options = { ...DEFAULT_READABILITY, ...thresholds };
  const workers = judgeOptions.workers ?? 1;
  let pool: ReadabilityWorkerPool | null = null;
  return {
    name: 'readability',
    describe: () => ({ name: 'readability', ...options }),
    async judge(prompt: Prompt, samples: readonly Sample[]) {
      const language = promptLanguage(prompt, thresholds);
      const live = samples.filter((s) => s.finishReason !== 'error');
      // The target language is the prompt's: guessed once for its k samples, not once a sample.
      const identify = live.length > 0 && needsIdentifier(language) ? await loadCompactLanguageIdentifier() : undefined;
      const target = live.length === 0 ? language : (language ?? guessLanguage(promptText(prompt), identify));
      const inputs: ReadabilityInput[] = live.map((s) => ({ response: responseOf(s), finishReason: s.finishReason, language: target, domain: prompt.domain }));
      let reports: ReadabilityReport[];
      if (workers > 0 && inputs.length > 0) {
        pool ??= new ReadabilityWorkerPool(workers);
        reports = await pool.check(inputs, thresholds);
      } else {
        reports = inputs.map((input) => checkReadability(input, thresholds, identify));
      }
      let next = 0;
      return samples.map((s) => {
        if (s.finishReason === 'error') return verdict('readability', 'error', `no sample to judge: ${s.error ?? 'backend error'}`, { category: 'backend_error' });
        return readabilityVerdict(reports[next++]);
      });
    },
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}

export { languageConsistency, guessLanguage } from './language.ts';
export { loadLanguageIdentifier } from './identifier.ts';
