import type { Judge } from './judge.ts';

/**
 * A judge that applies only to prompts of some domains (a mixed build routes math prompts to the math judge,
 * code prompts to the code judge): elsewhere it returns null ("does not apply"), which is not recorded.
 */
export function onlyDomains(domains: readonly string[], judge: Judge): Judge {
  const set = new Set(domains);
  return {
    name: judge.name,
    reads: judge.reads,
    describe: () => ({ ...judge.describe(), domains: [...set].sort() }),
    judge: (prompt, samples, ctx) => (set.has(prompt.domain) ? judge.judge(prompt, samples, ctx) : Promise.resolve(samples.map(() => null))),
    close: judge.close ? () => judge.close!() : undefined,
  };
}
