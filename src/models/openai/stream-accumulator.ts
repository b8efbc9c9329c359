/**
 * An OpenAI-compatible streamed completion (`stream: true`, server-sent events) put back together as the body the
 * same request would have got without streaming, so response mapping is one code path. Choices arrive interleaved
 * by `index` (n > 1); chat deltas carry `content` and `reasoning_content` (or `reasoning`), completions `text`;
 * `finish_reason` comes on a choice's last chunk and `usage` on the final chunk (`stream_options.include_usage`).
 */
export class StreamAccumulator {
  private readonly choices = new Map<number, { content: string[]; reasoning: string[]; finish: string | null }>();
  private usage: unknown = null;
  private id: unknown = null;
  private model: unknown = null;
  /** Events seen with data (the first one ends the wait for the first token). */
  events = 0;
  done = false;
  /** Text left after the last complete line (an event may span network chunks). */
  private rest = '';

  /** Feed decoded text; returns the number of data events it completed. Throws on a data line that is not JSON. */
  push(text: string): number {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    let n = 0;
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (!line.startsWith('data:')) continue; // comments (": ping"), event names, blank separators
      const data = line.slice(5).trimStart();
      if (data === '[DONE]') {
        this.done = true;
        continue;
      }
      this.add(JSON.parse(data) as StreamChunk);
      n++;
    }
    this.events += n;
    return n;
  }

  private add(chunk: StreamChunk): void {
    if (chunk.error) throw new Error(`stream error: ${chunk.error.message ?? JSON.stringify(chunk.error)}`);
    this.id ??= chunk.id ?? null;
    this.model ??= chunk.model ?? null;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      const index = c.index ?? 0;
      let s = this.choices.get(index);
      if (!s) this.choices.set(index, (s = { content: [], reasoning: [], finish: null }));
      const d = c.delta;
      if (d) {
        if (typeof d.content === 'string') s.content.push(d.content);
        const r = d.reasoning_content ?? d.reasoning;
        if (typeof r === 'string') s.reasoning.push(r);
      }
      if (typeof c.text === 'string') s.content.push(c.text);
      if (c.finish_reason) s.finish = c.finish_reason;
    }
  }

  /** The non-streamed body: `choices` sorted by index with `message` (chat) or `text` (completions), and `usage`. */
  body(chat: boolean): Record<string, unknown> {
    const choices = [...this.choices.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, s]) => {
        const content = s.content.join('');
        if (!chat) return { index, text: content, finish_reason: s.finish };
        const message: Record<string, unknown> = { role: 'assistant', content };
        if (s.reasoning.length > 0) message.reasoning_content = s.reasoning.join('');
        return { index, message, finish_reason: s.finish };
      });
    return { id: this.id, model: this.model, choices, ...(this.usage ? { usage: this.usage } : {}) };
  }
}

interface StreamChunk {
  id?: string;
  model?: string;
  choices?: { index?: number; delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; text?: string; finish_reason?: string | null }[];
  usage?: unknown;
  error?: { message?: string };
}
