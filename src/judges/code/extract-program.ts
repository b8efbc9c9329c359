import { splitResponse } from '../../../schemas/response.ts';

export type Language = 'python' | 'javascript';

const LANGUAGE_ALIASES: Record<string, Language> = {
  python: 'python',
  python3: 'python',
  py: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
};

/** Normalise a language name (`py`, `Python3`, `js`, `node` …); null when not supported. */
export function parseLanguage(name: unknown): Language | null {
  if (typeof name !== 'string') return null;
  return LANGUAGE_ALIASES[name.trim().toLowerCase()] ?? null;
}

export interface ExtractedProgram {
  code: string;
  /** Language named by the fence's info string, when it names a supported one. */
  fenceLanguage: Language | null;
}

// A fence opens with ``` or ~~~ (3+) plus an optional info string, and closes with the same run on its own line.
const FENCE = /^(`{3,}|~{3,})[ \t]*([^\n`]*)\n([\s\S]*?)^\1[ \t]*$/gm;

/** The last fenced code block of a text, or null when it has none. */
export function lastFencedBlock(text: string): ExtractedProgram | null {
  let last: ExtractedProgram | null = null;
  for (const m of text.matchAll(FENCE)) {
    const info = m[2].trim().split(/\s+/)[0] ?? '';
    last = { code: m[3], fenceLanguage: parseLanguage(info) };
  }
  return last;
}

/**
 * The program in a model response: the last fenced code block of the final answer (after `</think>`).
 * A response that opened `<think>` but never closed it has no final answer (truncated); a response with no
 * think tags at all (a non-reasoning model) is all answer.
 */
export function extractProgram(response: string): ExtractedProgram | null {
  const parts = splitResponse(response);
  const answer = parts.thinkClosed ? parts.answer : response.includes('<think>') ? '' : response;
  return lastFencedBlock(answer);
}
