import type { Progress } from './engine.ts';
import type { BuildReport } from './build-stats.ts';

const rate = (n: number, s: number) => (s > 0 ? n / s : 0);
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One progress line for a terminal: bar (when the prompt count is known), prompts, samples/s, accept rate, ETA. */
export function progressLine(p: Progress, width = 24): string {
  if (p.firstPass) return `${p.firstPass.stage}: first pass, ${p.firstPass.promptsRead}${p.totalPrompts ? `/${p.totalPrompts}` : ''} prompts read`;
  const sps = rate(p.runSamples, p.runSeconds);
  const parts: string[] = [];
  if (p.totalPrompts) {
    const f = Math.min(1, p.prompts / p.totalPrompts);
    const filled = Math.round(f * width);
    const pps = rate(p.runPrompts, p.runSeconds);
    const eta = pps > 0 ? (p.totalPrompts - p.prompts) / pps : Infinity;
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.prompts}/${p.totalPrompts} prompts`, `ETA ${duration(eta)}`);
  } else parts.push(`${p.prompts} prompts`);
  parts.push(`${sps.toFixed(1)} samples/s`, `accept ${pct(p.accepted, p.samples)}`);
  if (p.quarantined) parts.push(`quarantined ${p.quarantined}`);
  return parts.join(' | ');
}

/** One JSON log line (non-TTY): machine-readable progress. */
export function progressJson(p: Progress): string {
  return JSON.stringify({
    event: 'progress',
    prompts: p.prompts,
    totalPrompts: p.totalPrompts,
    samples: p.samples,
    accepted: p.accepted,
    acceptRate: p.samples ? Math.round((p.accepted / p.samples) * 10_000) / 10_000 : 0,
    samplesPerSecond: Math.round(rate(p.runSamples, p.runSeconds) * 10) / 10,
    quarantined: p.quarantined,
    duplicates: p.duplicates,
    commits: p.commits,
    elapsedSeconds: Math.round(p.runSeconds * 10) / 10,
    ...(p.firstPass ? { firstPass: p.firstPass } : {}),
  });
}

/** The final report as text for people. */
export function formatReport(r: BuildReport): string {
  const t = r.totals;
  const lines = [
    `${r.interrupted ? 'interrupted (committed what was done; run the same command again to resume)' : 'done'}: ${r.pipeline} → ${r.out}`,
    `  prompts ${t.prompts} (${t.promptsKept} kept), samples ${t.samples} (${t.sampleErrors} backend errors), accepted ${t.accepted} (${pct(t.accepted, t.samples)})`,
    `  rows: sft ${t.rows.sft}, distill ${t.rows.distill}, samples ${t.rows.samples}, prefs ${t.rows.prefs}, quarantine ${t.rows.quarantine}; duplicates dropped ${t.duplicates}`,
    `  this run: ${r.run.prompts} prompts, ${r.run.samples} samples in ${duration(r.run.seconds)} (${r.run.samplesPerSecond} samples/s)${r.resumedFromCommits ? `, resumed after ${r.resumedFromCommits} commits` : ''}`,
  ];
  const domains = Object.entries(r.perDomain);
  if (domains.length) {
    lines.push('  by domain:');
    for (const [d, v] of domains) lines.push(`    ${d}: ${v.prompts} prompts, ${v.samples} samples, accepted ${pct(v.accepted, v.samples)}, sft ${v.sft}`);
  }
  const judges = Object.entries(r.topReasons);
  if (judges.length) {
    lines.push('  verdicts:');
    for (const [j, v] of judges) {
      lines.push(`    ${j}: pass ${v.pass}, fail ${v.fail}, error ${v.error}`);
      for (const x of v.top) lines.push(`      ${x.count} × ${x.reason}`);
    }
  }
  const h = r.backendHealth;
  if (h && (h.outages || h.pendingPrompts || h.resampledPrompts || h.stoppedBy)) {
    lines.push(`  backend health: ${h.outages} outage(s) (${duration(h.outageSeconds)} down), ${h.resampledPrompts} prompts re-sampled after backend errors, ${h.pendingPrompts} still waiting on the backend${h.stoppedBy ? `; stopped: ${h.stoppedBy}` : ''}`);
  }
  if (r.inputChanges) {
    const names = r.inputChanges.inputs.map((i) => i.name).join(', ');
    lines.push(`  inputs changed since the last commit (${names}): resumed by prompt id; ${r.inputChanges.removedPrompts === null ? 'prompts no longer in the inputs: not known (not all was read)' : `${r.inputChanges.removedPrompts} committed prompts are no longer in the inputs (their rows stay)`}`);
  }
  const q = Object.entries(t.quarantine);
  if (q.length) lines.push(`  quarantined by reason: ${q.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (r.backend) lines.push(`  backend: ${Object.entries(r.backend).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return lines.join('\n');
}
