import { createHash } from 'node:crypto';
import type { Prompt } from '../../schemas/prompt.ts';
import { HashSet64 } from '../collections/hash-set64.ts';
import { PromptIdSet } from '../collections/prompt-id-set.ts';

/** Normalised prompt text: Unicode NFKC, lower case, runs of whitespace collapsed, trimmed; roles kept. */
export function normalisedPromptText(p: Pick<Prompt, 'messages'>): string {
  return p.messages.map((m) => `${m.role}:${m.content.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}`).join('\n');
}

/**
 * Exact duplicate filter: remembers a 64-bit hash (sha256 prefix) of each normalised prompt and of each prompt id,
 * in typed arrays: 16–32 bytes each, so 1M prompts ≈ 50 MB at most, off the collected heap. Two different texts
 * (or ids) share a hash with probability ~n²/2^65 (≈ 3·10⁻⁸ for 1M prompts). `check` says whether a prompt is new, a
 * duplicate of an earlier text, or reuses an id with different text (a data error the engine quarantines).
 */
export class ExactDedupe {
  private readonly texts = new HashSet64();
  private readonly ids = new PromptIdSet();

  constructor(private readonly byText: boolean) {}

  get bytes(): number {
    return this.texts.bytes + this.ids.bytes;
  }

  check(p: Prompt): 'new' | 'duplicate' | 'duplicate-id' {
    if (this.byText && !this.texts.add(createHash('sha256').update(normalisedPromptText(p)).digest())) return 'duplicate';
    return this.ids.add(p.id) ? 'new' : 'duplicate-id';
  }
}
