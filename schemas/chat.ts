import { z } from 'zod';

/** One chat turn, as HF `datasets` / TRL expect it: `list<struct<role, content>>`. */
export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
