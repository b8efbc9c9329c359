import type { DomainQuotas, TargetSampling } from '../../schemas/pipeline.ts';
import type { Prompt } from '../../schemas/prompt.ts';
import type { Sample } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import type { JudgedSample } from '../select/policy.ts';
import type { PromptRows } from '../select/rows.ts';

/**
 * Target-driven sampling (options `target` and `quotas` of a pipeline, schemas/pipeline.ts): instead of a fixed
 * k, sample a prompt in rounds of `round` samples until it has `accepted` accepted samples or has used `budget`
 * samples. Sample indices continue across rounds (0, 1, 2 …), so sample keys are the same as a fixed-k build's
 * and a later build can reuse them.
 */
/** What the engine gives the round loop: how to sample a batch, judge one prompt's new samples, count acceptances. */
export interface RoundIO {
  /** Samples for each (prompt, indices); errors become error samples, never throws. */
  sample(requests: { prompt: Prompt; indices: number[] }[]): Promise<Map<Prompt, Sample[]>>;
  judge(prompt: Prompt, samples: Sample[]): Promise<Verdict[][]>;
  /** Samples of these the selection policy accepts. */
  accepted(prompt: Prompt, judged: JudgedSample[]): number;
}

/**
 * Run the rounds for a batch of prompts: each round samples every unfinished prompt together (one backend call,
 * so batching still pays), judges only the new samples, and stops a prompt at its target or budget.
 * Returns all judged samples of each prompt in index order, and the rounds it took.
 */
export async function sampleInRounds(prompts: readonly Prompt[], target: TargetSampling, defaultRound: number, io: RoundIO): Promise<Map<Prompt, { judged: JudgedSample[]; rounds: number }>> {
  const round = target.round ?? defaultRound;
  const state = new Map(prompts.map((p) => [p, { judged: [] as JudgedSample[], rounds: 0, accepted: 0, stopped: false }]));
  for (;;) {
    const open = prompts.filter((p) => {
      const s = state.get(p)!;
      return !s.stopped && s.accepted < target.accepted && s.judged.length < target.budget;
    });
    if (open.length === 0) break;
    const requests = open.map((prompt) => {
      const used = state.get(prompt)!.judged.length;
      const n = Math.min(round, target.budget - used);
      return { prompt, indices: Array.from({ length: n }, (_, i) => used + i) };
    });
    const sampled = await io.sample(requests);
    await Promise.all(
      open.map(async (prompt) => {
        const s = state.get(prompt)!;
        const fresh = sampled.get(prompt) ?? [];
        const verdicts = await io.judge(prompt, fresh);
        s.judged.push(...fresh.map((sample, i) => ({ sample, verdicts: verdicts[i] })));
        s.rounds++;
        s.accepted = io.accepted(prompt, s.judged);
        // A round where the backend produced nothing usable (it is down): stop the prompt rather than spend its budget on errors.
        if (fresh.length === 0 || fresh.every((x) => x.finishReason === 'error')) s.stopped = true;
      }),
    );
  }
  return new Map([...state].map(([p, s]) => [p, { judged: s.judged, rounds: s.rounds }]));
}

/** Whether a domain's quota is already met by the selected rows counted so far. */
export function quotaMet(quotas: DomainQuotas | undefined, domain: string, selectedSoFar: number): boolean {
  const q = quotas?.[domain];
  return q !== undefined && selectedSoFar >= q;
}

/** Selected rows a domain may still take before its quota is met (Infinity without a quota). */
export function quotaRoom(quotas: DomainQuotas | undefined, domain: string, selectedSoFar: number): number {
  const q = quotas?.[domain];
  return q === undefined ? Infinity : Math.max(0, q - selectedSoFar);
}

/**
 * A prompt's rows cut to the room left in its domain's quota: with several selected samples a prompt, the prompt that
 * meets the quota would otherwise overshoot it by up to m − 1 rows. Its first `room` selected samples (in the
 * policy's order) stay selected; the others stay in the samples corpus, not selected. Preference pairs do not count
 * toward a quota and stay.
 */
export function trimRowsToQuota(rows: PromptRows, room: number): PromptRows {
  if (rows.sft.length <= room) return rows;
  const kept = new Set(rows.sft.slice(0, room).map((r) => r.id));
  return {
    sft: rows.sft.filter((r) => kept.has(r.id)),
    distill: rows.distill.filter((r) => kept.has(r.id)),
    samples: rows.samples.map((r) => (r.selected && !kept.has(r.key) ? { ...r, selected: false } : r)),
    prefs: rows.prefs,
  };
}

/** How samples were spent: per domain, samples per selected example, quota and whether it was met. */
export interface SamplingReport {
  mode: 'fixed-k' | 'target';
  target: TargetSampling | null;
  /** Samples generated per selected (sft) example over the build. */
  samplesPerSelected: number | null;
  perDomain: Record<string, { samples: number; selected: number; samplesPerSelected: number | null; quota: number | null; quotaMet: boolean | null }>;
  /** Prompts not written because their domain's quota was already met. */
  quotaSkipped: number;
}

/** The report with its `sampling` section (BuildReport from build-stats, extended additively). */
export function targetReport<R extends { totals: { samples: number; rows: { sft: number }; domains: Record<string, { samples: number; sft: number }> } }>(
  pipeline: { target?: TargetSampling; quotas?: DomainQuotas },
  report: R,
): R & { sampling: SamplingReport } {
  const per = (samples: number, selected: number) => (selected > 0 ? Math.round((samples / selected) * 1000) / 1000 : null);
  const domains = new Set([...Object.keys(report.totals.domains), ...Object.keys(pipeline.quotas ?? {})]);
  const perDomain: SamplingReport['perDomain'] = {};
  for (const d of [...domains].sort()) {
    const c = report.totals.domains[d] ?? { samples: 0, sft: 0 };
    const quota = pipeline.quotas?.[d] ?? null;
    perDomain[d] = { samples: c.samples, selected: c.sft, samplesPerSelected: per(c.samples, c.sft), quota, quotaMet: quota === null ? null : c.sft >= quota };
  }
  return {
    ...report,
    sampling: {
      mode: pipeline.target ? 'target' : 'fixed-k',
      target: pipeline.target ?? null,
      samplesPerSelected: per(report.totals.samples, report.totals.rows.sft),
      perDomain,
      quotaSkipped: (report.totals as { quotaSkipped?: number }).quotaSkipped ?? 0,
    },
  };
}
