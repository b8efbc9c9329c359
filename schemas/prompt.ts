import { z } from 'zod';
import { ChatMessage } from './chat.ts';

/**
 * A prompt after source mapping and validation. `messages` is what the model is sent (system + user turns);
 * `reference` is the gold answer or solution when there is one; `meta` carries judge-specific data
 * (code tests, entry point, language, choices …) as plain JSON.
 */
export const Prompt = z.object({
  id: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  reference: z.string().nullable().default(null),
  domain: z.string().min(1).default('general'),
  source: z.string().min(1),
  meta: z.record(z.string(), z.unknown()).default({}),
});
export type Prompt = z.infer<typeof Prompt>;

/** The last user turn: the question text most judges and corpora want. */
export function promptText(p: Prompt): string {
  for (let i = p.messages.length - 1; i >= 0; i--) if (p.messages[i].role === 'user') return p.messages[i].content;
  return p.messages[p.messages.length - 1].content;
}
