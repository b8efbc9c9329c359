import { test } from 'node:test';
import assert from 'node:assert/strict';
import { majorityVoteJudge } from '../src/judges/majority.ts';
import { reward, rewardTerms } from '../src/select/reward.ts';
import { ruleOrJudgeAccept, ruleJudgeDisagreement } from '../src/select/rule-or-judge.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';
import { verdict } from '../schemas/verdict.ts';

const noRef = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], source: 't' });
const sample = (index: number, text: string, finishReason: Sample['finishReason'] = 'stop'): Sample => ({ key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', prefill: '', text, finishReason, promptTokens: 1, completionTokens: 1, model: 'm', error: null });

test('majority vote: pseudo-label at minShare, cons@k, share and agreeing samples recorded', async () => {
  const samples = [sample(0, '<think>a</think>\\boxed{12}'), sample(1, '<think>b</think><answer> 12 </answer>'), sample(2, '<think>c</think>\\boxed{13}'), sample(3, '<think>d</think>\\boxed{12.}'), sample(4, '<think>never')];
  const vs = await majorityVoteJudge({ minShare: 0.5 }).judge(noRef, samples, { previous: [] });
  assert.deepEqual(vs.map((v) => v?.verdict), ['pass', 'pass', 'fail', 'pass', 'fail']);
  assert.deepEqual(vs[0]!.detail, { cons_at_k: '12', share: 3 / 5, k: 5, agree: [0, 1, 3], groups: [3, 1], pseudo_label: '12' });
  const below = await majorityVoteJudge({ minShare: 0.8 }).judge(noRef, samples, { previous: [] });
  assert.ok(below.every((v) => v?.verdict === 'error'));
  assert.match(below[0]!.reason, /no majority: .*60% of 5/);
});

test('majority vote: injectable async equivalence; prompts with a reference are skipped unless asked', async () => {
  const value = (a: string) => {
    const f = /^\\frac\{(\d+)\}\{(\d+)\}$/.exec(a);
    return f ? Number(f[1]) / Number(f[2]) : Number(a);
  };
  const numeric = async (a: string, b: string) => value(a) === value(b);
  const samples = [sample(0, '<think>a</think>\\boxed{\\frac{1}{2}}'), sample(1, '<think>b</think>\\boxed{0.5}'), sample(2, '<think>c</think>\\boxed{1}')];
  const vs = await majorityVoteJudge({ minShare: 0.6, equivalent: numeric }).judge(noRef, samples, { previous: [] });
  assert.deepEqual(vs.map((v) => v?.verdict), ['pass', 'pass', 'fail']);
  const ref = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], source: 't', reference: '1/2' });
  assert.deepEqual(await majorityVoteJudge({ minShare: 0.6 }).judge(ref, samples, { previous: [] }), [null, null, null]);
});

test('reward: weighted terms in [0, 1]; generative pass recovers accuracy; language from readability detail', () => {
  const vs = [verdict('math', 'fail', 'x', { category: 'wrong_answer' }), verdict('generative', 'pass', 'y'), verdict('format', 'pass', 'ok', { score: 1 }), verdict('readability', 'fail', 'mix', { category: 'language_mixing', score: 0.8, detail: { language_consistency: 0.8 } })];
  assert.deepEqual(rewardTerms(vs), { accuracy: 1, format: 1, language: 0.8, preference: 0 });
  const r = reward({ weights: { accuracy: 0.7, format: 0.2, language: 0.1 } });
  const judged = { sample: sample(0, 't'), verdicts: vs };
  assert.ok(Math.abs(r(judged, true)! - (0.7 + 0.2 + 0.08)) < 1e-12);
  assert.equal(r({ sample: sample(0, '', 'error'), verdicts: [] }, false), null);
  const pref = reward({ weights: { accuracy: 0, format: 0, language: 0, preference: 1 }, preferenceJudges: ['helpfulness'] });
  assert.equal(pref({ sample: sample(0, 't'), verdicts: [verdict('helpfulness', 'pass', 'h', { score: 0.75 })] }, true), 0.75);
  assert.throws(() => reward({ weights: { accuracy: -1 } }), /weight accuracy/);
});

const cat = (v: 'pass' | 'fail' | 'error') => (v === 'pass' ? 'ok' : v === 'fail' ? 'wrong_answer' : 'undecidable');

test('rule-or-judge accept and disagreement labels drive keepAccepted', () => {
  const accept = ruleOrJudgeAccept({ rule: 'math', judge: 'generative' });
  const disagreement = ruleJudgeDisagreement({ rule: 'math', judge: 'generative' });
  const j = (i: number, m: 'pass' | 'fail' | 'error', g: 'pass' | 'fail' | null, f: 'pass' | 'fail' = 'pass') => ({
    sample: sample(i, 'x'.repeat(10 - i)),
    verdicts: [verdict('format', f, f, { category: cat(f) }), verdict('math', m, m, { category: cat(m) }), ...(g ? [verdict('generative', g, g, { category: cat(g) })] : [])],
  });
  const judged = [j(0, 'pass', null), j(1, 'fail', 'pass'), j(2, 'fail', 'fail'), j(3, 'error', 'pass', 'fail'), j(4, 'pass', 'fail')];
  const pol = keepAccepted({ accept, disagreement, reward: reward(), maxPerPrompt: 2, prefer: 'shortest', prefsPerPrompt: 1, id: 'math-or-generative' });
  const sel = pol.select(noRef, judged);
  assert.deepEqual(sel.decisions.map((d) => d.accepted), [true, true, false, false, true]);
  assert.deepEqual(sel.decisions.map((d) => d.disagreement), [null, 'math:fail/generative:pass', null, 'math:error/generative:pass', 'math:pass/generative:fail']);
  assert.deepEqual(sel.selected, [4, 1]);
  assert.deepEqual(sel.prefs, [[4, 2]]);
});
