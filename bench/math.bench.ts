/**
 * Math judge throughput on one core (the synchronous verifier on the main thread; the judge runs one per worker):
 * the 375 peer cases (../shared, skipped when absent) and 2,000 generated simple varied pairs. Math-Verify is
 * measured in the same run when it imports in the repo's .venv; otherwise the reference numbers measured on this
 * machine (issue 4) are used and the output says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyMath } from '../src/judges/math/verify.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const PEER = path.resolve(repoRoot, '../shared/judge-cases/math_equiv_peer_cases.jsonl');
const REFERENCE = { simple: 530, peer: 50, source: 'issue 4 (Math-Verify on this machine: ~530/s simple, ~40–60/s peer)' };

function rng(seed: number) {
  return () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 2246822507) + 0x9e3779b9) | 0;
    return ((seed ^ (seed >>> 13)) >>> 0) / 4294967296;
  };
}

/** 2,000 simple pairs of varied kinds, about two thirds equivalent. */
export function simplePairs(n = 2000): [string, string, boolean][] {
  const r = rng(42);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const out: [string, string, boolean][] = [];
  for (let k = 0; k < n; k++) {
    const wrong = r() < 0.33;
    const p = int(1, 19);
    const q = [2, 4, 5, 8, 10, 20, 25][int(0, 6)];
    const big = int(1000, 9_999_999);
    const d = wrong ? 1 : 0;
    switch (k % 10) {
      case 0: out.push([`\\frac{${p}}{${q}}`, `\\boxed{${(p + d) / q}}`, !wrong]); break;
      case 1: out.push([`${big}`, `The answer is ${(big + d).toLocaleString('en-US')}.`, !wrong]); break;
      case 2: out.push([`${p}\\sqrt{2}`, `\\boxed{\\sqrt{${2 * (p + d) * (p + d)}}}`, !wrong]); break;
      case 3: out.push([`${p}\\%`, `\\boxed{${p + d}}`, !wrong]); break;
      case 4: out.push([`(${p}, ${q})`, `\\boxed{(${p}, ${q + d})}`, !wrong]); break;
      case 5: out.push([`-${p}`, `so x = ${-(p + d)}`, !wrong]); break;
      case 6: out.push([`\\frac{${p}\\pi}{${q}}`, `\\boxed{\\dfrac{${p + d}}{${q}}\\pi}`, !wrong]); break;
      case 7: out.push([`${p}`, `Natalia sold clips.\n#### ${p + d}`, !wrong]); break;
      case 8: out.push([`\\{${p}, ${q}\\}`, `\\boxed{${q}, ${p + d}}`, !wrong]); break;
      case 9: out.push([`${p}.${q}`, `<answer>${p}.${q + d}</answer>`, !wrong]); break;
    }
  }
  return out;
}

function measure(pairs: readonly (readonly [string, string, ...unknown[]])[], minMs = 1500): { perSec: number; passes: number } {
  let n = 0;
  let passes = 0;
  const start = performance.now();
  do {
    for (const [ref, pred] of pairs) {
      if (verifyMath(ref, pred).verdict === 'pass') passes++;
      n++;
    }
  } while (performance.now() - start < minMs);
  return { perSec: n / ((performance.now() - start) / 1000), passes: passes / (n / pairs.length) };
}

function mathVerify(pairs: readonly (readonly [string, string, ...unknown[]])[]): number | null {
  pairs = pairs.map(([a, b]) => [a, b] as const);
  const python = path.join(repoRoot, '.venv/bin/python');
  if (!existsSync(python) || spawnSync(python, ['-c', 'import math_verify'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'mv-bench-'));
  const file = path.join(dir, 'pairs.json');
  writeFileSync(file, JSON.stringify(pairs));
  const script = `import json,time,sys\nfrom math_verify import parse, verify\np=json.load(open(sys.argv[1]))\nt=time.perf_counter()\nfor g,a in p:\n  verify(parse(g), parse(a))\nprint(len(p)/(time.perf_counter()-t))`;
  const res = spawnSync(python, ['-c', script, file], { encoding: 'utf8' });
  return res.status === 0 ? Number(res.stdout.trim()) : null;
}

const simple = simplePairs();
// The generator knows which pairs are equivalent: a benchmark of wrong verdicts would be meaningless.
const misjudged = simple.filter(([ref, pred, same]) => (verifyMath(ref, pred).verdict === 'pass') !== same);
if (misjudged.length > 0) throw new Error(`bench pairs misjudged: ${JSON.stringify(misjudged.slice(0, 3))}`);
const simpleRate = measure(simple);
const mvSimple = mathVerify(simple);
const refSimple = mvSimple ?? REFERENCE.simple;
console.log(`simple pairs (2,000 generated): ${simpleRate.perSec.toFixed(0)} verifications/s on one core (${simpleRate.passes} pass); ` +
  `Math-Verify ${refSimple.toFixed(0)}/s → ×${(simpleRate.perSec / refSimple).toFixed(1)}`);

if (existsSync(PEER)) {
  const peer = readFileSync(PEER, 'utf8').trim().split('\n').map((l) => {
    const r = JSON.parse(l) as { gold: unknown; pred: unknown };
    return [r.gold == null ? '' : String(r.gold), r.pred == null ? '' : String(r.pred)] as [string, string];
  });
  const peerRate = measure(peer);
  const mvPeer = mathVerify(peer);
  const refPeer = mvPeer ?? REFERENCE.peer;
  console.log(`peer cases (375): ${peerRate.perSec.toFixed(0)} verifications/s on one core; Math-Verify ${refPeer.toFixed(0)}/s → ×${(peerRate.perSec / refPeer).toFixed(1)}`);
} else {
  console.log(`peer cases: skipped (${PEER} not found)`);
}
console.log(mvSimple === null
  ? `Math-Verify: not importable in .venv (not in the offline wheel index); ratios use the reference of ${REFERENCE.source}`
  : 'Math-Verify: measured in this run');
