import type { LanguageIdentifier } from './language.ts';

let loading: Promise<LanguageIdentifier> | null = null;

/**
 * The language identifier for languages that script cannot tell apart: eld (Nito-ELD, medium n-gram set).
 * Measured here against tinyld and franc-min (docs/quality.md): eld was the most accurate on short real
 * sentences in 28 languages and on English reasoning sentences, and the fastest. Loaded once, on first need
 * (~0.4 s), so runs on zh/en never pay for it.
 */
export function loadLanguageIdentifier(): Promise<LanguageIdentifier> {
  loading ??= import('eld/medium').then(({ eld }) => (sentence: string) => {
    const r = eld.detect(sentence);
    return r.isReliable() ? r.language : '';
  });
  return loading;
}
