import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadCompactLanguageIdentifier } from '../src/judges/readability/compact-identifier.ts';
import { loadLanguageIdentifier } from '../src/judges/readability/identifier.ts';
import { guessLanguage } from '../src/judges/readability/language.ts';

const SENTENCES = [
  'This is an English sentence about apples and how many there are in the crate.',
  'Ceci est une phrase en français sur les pommes et les poires du jardin.',
  'Dies ist ein deutscher Satz über Äpfel, Birnen und den großen Garten.',
  'Esta es una frase en español sobre las manzanas que hay en la caja.',
  'Questa è una frase italiana sulle mele che sono nella cassetta.',
  'Это русское предложение о яблоках, которые лежат в ящике.',
  'Combien de pommes y a-t-il dans la caisse en tout',
  'Wie viele Murmeln sind insgesamt in der Kiste',
  'Quantas maçãs existem na caixa no total?',
  'Hoeveel appels zitten er in totaal in de krat?',
  'Ile jabłek jest w skrzynce?',
  'x y z',
  '',
];

test('the compact identifier (eld n-grams loaded from JSON) answers exactly as eld/medium, and caches its copy', async () => {
  const compact = await loadCompactLanguageIdentifier();
  const plain = await loadLanguageIdentifier();
  for (const s of SENTENCES) assert.equal(compact(s), plain(s), JSON.stringify(s));
  for (const s of SENTENCES) assert.equal(guessLanguage(s, compact), guessLanguage(s, plain), JSON.stringify(s));
  // It really answers (not '' for everything), and the JSON copy sits in the cache.
  assert.equal(compact(SENTENCES[1]), 'fr');
  assert.equal(compact(SENTENCES[5]), 'ru');
  const cache = path.resolve(import.meta.dirname, '..', 'node_modules', '.cache', 'distillery');
  assert.ok(existsSync(cache) && readdirSync(cache).some((f) => /^eld-medium-.+\.json$/.test(f)), 'eld-medium-<version>.json cached');
});
