import { createHash } from 'node:crypto';
import type { Prompt } from '../../schemas/prompt.ts';

/** Normalised prompt text: Unicode NFKC, lower case, runs of whitespace collapsed, trimmed; roles kept. */
export function normalisedPromptText(p: Pick<Prompt, 'messages'>): string {
  return p.messages.map((m) => `${m.role}:${m.content.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()}`).join('\n');
}

/**
 * Exact duplicate filter: remembers a 64-bit hash of each normalised prompt (about 60 bytes a prompt; 1M prompts
 * ≈ 60 MB) and of each prompt id. `check` says whether a prompt is new, a duplicate of an earlier text, or reuses
 * an id with different text (a data error the engine quarantines).
 */
export class ExactDedupe {
  private readonly texts = new Set<string>();
  private readonly ids = new Set<string>();

  constructor(private readonly byText: boolean) {}

  check(p: Prompt): 'new' | 'duplicate' | 'duplicate-id' {
    if (this.byText) {
      const h = createHash('sha256').update(normalisedPromptText(p)).digest('base64').slice(0, 11);
      if (this.texts.has(h)) return 'duplicate';
      this.texts.add(h);
    }
    if (this.ids.has(p.id)) return 'duplicate-id';
    this.ids.add(p.id);
    return 'new';
  }
}
