import type { Prompt } from '../../schemas/prompt.ts';
import type { Sample } from '../../schemas/sample.ts';
import { Verdict, verdict } from '../../schemas/verdict.ts';
import type { Judge } from '../judges/judge.ts';

/** Verdicts stored by a previous build for each live sample of the group, valid for the first `judges` judges. */
export interface StoredGroup {
  judges: number;
  /** One list per live (non-error) sample, in order. */
  verdicts: readonly (readonly Verdict[])[];
}

/** Name under which the engine records a sample the backend could not produce. */
export const BACKEND_JUDGE = 'backend';

/**
 * Run the judges in order over one prompt's samples. Each judge sees the verdicts of those before it; a null
 * verdict means "does not apply" and is not recorded; every verdict is recorded under the judge's registered name. A sample the backend failed to produce gets one
 * `backend` error verdict and is not shown to judges (an error is never a wrong answer). `signal` (the build's
 * hard stop) reaches every judge, so a judge calling a model can give up its calls. A judge that throws or
 * returns malformed verdicts gives `error` verdicts naming the judge, the prompt and the message: never a crash.
 */
export async function judgeGroup(judges: readonly Judge[], prompt: Prompt, samples: readonly Sample[], stored?: StoredGroup, signal?: AbortSignal): Promise<Verdict[][]> {
  const verdicts: Verdict[][] = samples.map((s) => (s.finishReason === 'error' ? [verdict(BACKEND_JUDGE, 'error', s.error ?? 'backend returned an error', { category: 'backend_error' })] : []));
  const live = samples.map((s, i) => (s.finishReason === 'error' ? -1 : i)).filter((i) => i >= 0);
  if (live.length === 0) return verdicts;
  const liveSamples = live.map((i) => samples[i]);
  // The leading judges whose verdicts a previous build stored for every live sample stand as stored.
  const kept = Math.min(stored?.judges ?? 0, judges.length);
  for (let j = 0; j < kept; j++) live.forEach((i, n) => verdicts[i].push(...stored!.verdicts[n].filter((v) => v.judge === judges[j].name)));
  for (const judge of judges.slice(kept)) {
    const threw = (message: string) =>
      live.map(() => verdict(judge.name, 'error', `judge "${judge.name}" failed on prompt "${prompt.id}": ${message}`, { category: 'judge_error', detail: { judgeThrew: message, promptId: prompt.id } }));
    let out: (Verdict | null)[];
    try {
      const got = await judge.judge(prompt, liveSamples, { previous: live.map((i) => verdicts[i]), signal });
      if (!Array.isArray(got) || got.length !== live.length) throw new Error(`returned ${Array.isArray(got) ? got.length : typeof got} verdicts for ${live.length} samples`);
      out = got.map((v) => {
        if (v === null || v === undefined) return null;
        const parsed = Verdict.safeParse(v);
        if (!parsed.success) throw new Error(`returned a malformed verdict: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
        // Recorded under the name the judge is registered under (a judge renamed in a pipeline keeps its own name inside).
        return parsed.data.judge === judge.name ? parsed.data : { ...parsed.data, judge: judge.name };
      });
    } catch (e) {
      out = threw(e instanceof Error ? e.message : String(e));
    }
    out.forEach((v, j) => {
      if (v) verdicts[live[j]].push(v);
    });
  }
  return verdicts;
}
