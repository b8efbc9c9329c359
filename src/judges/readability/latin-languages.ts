/**
 * Sentences in another Latin-script language inside English reasoning (French, German, Spanish, Italian, Portuguese,
 * Dutch). Script cannot tell them apart and a statistical identifier misnames ~0.5 % of English CoT sentences (one
 * short sentence in a long CoT would then fail it), so a sentence counts as another language only on its function
 * words: at least three of that language's and at most a third as many English ones. Function words shared with
 * English or common in math English (a, in, on, as, is, plus, per, die, sin, con, also, was, we) are left out.
 */

const FUNCTION_WORDS: Record<string, readonly string[]> = {
  en: 'the of and to that this is are was we it be for with by then which from have has can not if but or at an will let us so since thus therefore there'.split(' '),
  fr: 'le la les des du une est sont dans pour avec nous vous donc alors que qui cette ces mais aussi leur au aux ne pas être avons fait comme où il elle ils sur puis car chaque'.split(' '),
  de: 'der das und ist nicht ein eine einen dem des mit für auf sich ich auch noch wie aber oder dann wenn nur sind werden zu von wir sie diese dieser daher also'.split(' ').filter((w) => w !== 'also'),
  es: 'el los las del una que es por para como pero más esto esta este son hay entonces luego tenemos también sus se lo cada donde'.split(' '),
  it: 'il lo gli della delle degli una che è per questo questa sono quindi allora anche non si dei nel nella'.split(' '),
  pt: 'os uma que é em por para com como mas mais isso esta este são então também não do da dos das cada onde'.split(' '),
  nl: 'de het een en van op voor met niet dat zijn maar ook als dan wat wij dus deze'.split(' '),
};

const SETS = Object.fromEntries(Object.entries(FUNCTION_WORDS).map(([k, v]) => [k, new Set(v)])) as Record<string, Set<string>>;
const OTHERS = Object.keys(FUNCTION_WORDS).filter((k) => k !== 'en');

/** The language of one sentence's words by function words, or null when English or unclear. */
export function otherLatinLanguage(words: readonly string[]): string | null {
  if (words.length < 5) return null;
  const lower = words.map((w) => w.toLowerCase());
  const en = lower.filter((w) => SETS.en.has(w)).length;
  let best: string | null = null;
  let bestCount = 0;
  for (const lang of OTHERS) {
    const n = lower.filter((w) => SETS[lang].has(w)).length;
    if (n > bestCount) {
      best = lang;
      bestCount = n;
    }
  }
  return best !== null && bestCount >= 3 && en * 3 <= bestCount ? best : null;
}

/**
 * Spans [start, end) of the prose whose sentences are in another Latin-script language, with the language of each.
 * `starts`/`ends` are the offsets of the prose's `count` words (the scanner's buffers).
 */
export function foreignLatinSentences(prose: string, starts: ArrayLike<number>, ends: ArrayLike<number>, count: number): { start: number; end: number; lang: string }[] {
  const out: { start: number; end: number; lang: string }[] = [];
  const bounds = [...prose.matchAll(/[.!?;:\n]+/g)].map((m) => m.index + m[0].length);
  let w = 0;
  for (const end of [...bounds, prose.length + 1]) {
    const words: string[] = [];
    const first = w;
    while (w < count && starts[w] < end) words.push(prose.slice(starts[w], ends[w++]));
    const lang = otherLatinLanguage(words);
    if (lang && w > first) out.push({ start: starts[first], end: ends[w - 1], lang });
  }
  return out;
}
