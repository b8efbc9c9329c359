import { SCRIPTS } from './chars.ts';
import { withoutNotation } from './notation.ts';
import { foreignLatinSentences } from './latin-languages.ts';
import { proseOf, scannedWords, scanWords, scriptOf, type Script, type Word } from './prose.ts';

/**
 * Language consistency of the reasoning (R1's language reward: the share of target-language words in the CoT),
 * and the longest stretch written in another language (mixing). A few technical terms, symbols and formulas are
 * short runs and do not make a stretch; formulas and code are removed before counting.
 *
 * zh, ja, ko and en are told apart by script (a Han character is a Chinese word, a Latin word is English …).
 * Other languages share a script with English (fr, de, ru/uk …), so each sentence is given to a language
 * identifier (eld, chosen by measurement: see docs/quality.md).
 */
export interface LanguageConsistency {
  target: string;
  /** Share of words in the target language, in [0, 1]; 1 when the reasoning has no words. */
  share: number;
  words: number;
  /** Longest run of consecutive words not in the target language, and where it starts. */
  longestForeignRun: number;
  foreignRunSample: string;
  method: 'script' | 'identifier';
}

/** Identifies the language of one sentence: an ISO 639-1 code, or '' when unsure. */
export type LanguageIdentifier = (sentence: string) => string;

const SCRIPT_LANGS: Record<string, readonly Script[]> = {
  en: ['latin'],
  zh: ['han'],
  ja: ['han', 'kana'],
  ko: ['hangul', 'han'],
};

const NON_LATIN_SCRIPT_LANGS = new Set(['zh', 'ja', 'ko']);

export const isScriptLanguage = (lang: string): boolean => lang in SCRIPT_LANGS;

/** Normalise 'zh-CN', 'EN', 'en_US' to the base code the checks use. */
export function baseLanguage(lang: string): string {
  return lang.trim().toLowerCase().split(/[-_]/)[0];
}

/** Script a language is written in, for languages left to the identifier (anything else: latin). */
function scriptOfLanguage(lang: string): Script {
  if (['ru', 'uk', 'bg', 'be', 'mk', 'sr', 'kk', 'ky', 'tg', 'mn'].includes(lang)) return 'cyrillic';
  if (['ar', 'fa', 'ur', 'ps', 'ckb'].includes(lang)) return 'arabic';
  if (['el', 'he', 'hi', 'th', 'bn', 'ta', 'te', 'ka', 'hy'].includes(lang)) return 'other';
  return 'latin';
}

/** Mark each word target (true) or foreign (false). */
function classify(prose: string, words: Word[], target: string, identify?: LanguageIdentifier, minIdentifyWords = 4): boolean[] {
  const scripts = SCRIPT_LANGS[target];
  if (scripts) return words.map((w) => scripts.includes(w.script));
  if (!identify) throw new Error(`readability: language "${target}" needs a language identifier (only ${Object.keys(SCRIPT_LANGS).join(', ')} are script-based)`);
  const own = scriptOfLanguage(target);
  const marks = new Array<boolean>(words.length);
  // Sentences: the identifier is reliable on a sentence, not on a word.
  const bounds = [...prose.matchAll(/[.!?。！？;；\n]+/g)].map((m) => m.index + m[0].length);
  let start = 0;
  let wi = 0;
  for (const end of [...bounds, prose.length + 1]) {
    const from = wi;
    while (wi < words.length && words[wi].at < end) wi++;
    const sentenceWords = words.slice(from, wi);
    const sentence = prose.slice(start, end);
    start = end;
    if (sentenceWords.length === 0) continue;
    const sameScript = sentenceWords.filter((w) => w.script === own).length;
    let lang = '';
    if (sameScript >= minIdentifyWords) lang = identify(sentence);
    for (let i = 0; i < sentenceWords.length; i++) {
      const w = sentenceWords[i];
      // Another script is foreign whatever the identifier says; a short or unsure sentence gets the benefit of the doubt.
      marks[from + i] = w.script !== own ? false : lang === '' || lang === target;
    }
  }
  return marks;
}

export function languageConsistency(reasoning: string, targetLanguage: string, identify?: LanguageIdentifier): LanguageConsistency {
  const target = baseLanguage(targetLanguage);
  // In a CJK derivation, formulas, function names, units and labels written in Latin letters are notation, not English.
  const prose = NON_LATIN_SCRIPT_LANGS.has(target) ? withoutNotation(proseOf(reasoning)) : proseOf(reasoning);
  const method = isScriptLanguage(target) ? 'script' : 'identifier';
  const count = scanWords(prose);
  if (count === 0) return { target, share: 1, words: 0, longestForeignRun: 0, foreignRunSample: '', method };
  const { start, end, script } = scannedWords();
  let isTarget: (k: number) => boolean;
  const scripts = SCRIPT_LANGS[target];
  if (scripts) {
    // Script languages (the common case) read the scanner's buffers: no Word objects.
    let mask = 0;
    for (const s of scripts) mask |= 1 << SCRIPTS.indexOf(s);
    isTarget = (k) => ((mask >> script[k]) & 1) === 1;
    if (target === 'en') {
      // French (German, Spanish …) sentences are Latin script too: told apart by their function words.
      const foreign = foreignLatinSentences(prose, start, end, count);
      if (foreign.length > 0) {
        const inScript = isTarget;
        let f = 0;
        isTarget = (k) => {
          while (f < foreign.length && foreign[f].end <= start[k]) f++;
          const inForeign = f < foreign.length && foreign[f].start <= start[k];
          return inScript(k) && !inForeign;
        };
      }
    }
  } else {
    const words = new Array<Word>(count);
    for (let k = 0; k < count; k++) words[k] = { text: prose.slice(start[k], end[k]), script: SCRIPTS[script[k]], at: start[k] };
    const marks = classify(prose, words, target, identify);
    isTarget = (k) => marks[k];
  }
  let inTarget = 0;
  let run = 0;
  let best = 0;
  let bestEnd = -1;
  for (let i = 0; i < count; i++) {
    if (isTarget(i)) {
      inTarget++;
      run = 0;
    } else if (++run > best) {
      best = run;
      bestEnd = i;
    }
  }
  const sample = best > 0 ? prose.slice(start[bestEnd - best + 1], end[bestEnd]).replace(/\s+/g, ' ').slice(0, 80) : '';
  return { target, share: inTarget / count, words: count, longestForeignRun: best, foreignRunSample: sample, method };
}

/** Guess a prompt's language: a dominant non-Latin script decides, else the identifier, else English. */
export function guessLanguage(text: string, identify?: LanguageIdentifier): string {
  const n = scanWords(proseOf(text));
  if (n === 0) return 'en';
  const perScript = new Array<number>(SCRIPTS.length).fill(0);
  const { script } = scannedWords();
  for (let k = 0; k < n; k++) perScript[script[k]]++;
  const count = (s: Script) => perScript[SCRIPTS.indexOf(s)];
  if (count('kana') > 0 && count('kana') + count('han') >= n / 2) return 'ja';
  if (count('hangul') >= n / 2) return 'ko';
  if (count('han') >= n / 2) return 'zh';
  const lang = identify?.(text) ?? '';
  return lang || 'en';
}

export { scriptOf };
