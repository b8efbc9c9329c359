import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ChatMessage } from '../../../schemas/chat.ts';
import { ModelDirError, readJson } from './model-dir.ts';

/** A rendered prompt: the text the model is fed and the part of the assistant turn the template pre-filled. */
export interface RenderedPrompt {
  text: string;
  /** e.g. "<think>\n" when the template opens the reasoning for the model (R1 style); '' otherwise. */
  prefill: string;
}

// A template that ends the prompt inside an opened reasoning block pre-fills the response with it.
const OPEN_THINK_AT_END = /<think>\s*$/;

function tokenText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return '';
}

/**
 * The model's tokenizer (tokenizer.json through @huggingface/tokenizers) and chat template (the
 * `chat_template` of tokenizer_config.json through @huggingface/jinja), as transformers' apply_chat_template
 * uses them: render, then encode without adding special tokens again.
 */
export class ChatTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly template: Template | null,
    private readonly specialTokens: Record<string, string>,
  ) {}

  static load(dir: string): ChatTokenizer {
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    const configFile = path.join(dir, 'tokenizer_config.json');
    const json = readJson(tokenizerFile);
    const config = readJson(configFile);
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (e) {
      throw new ModelDirError(`onnx: ${tokenizerFile}: @huggingface/tokenizers cannot load it: ${(e as Error).message}`);
    }
    let template: Template | null = null;
    if (typeof config.chat_template === 'string') {
      try {
        template = new Template(config.chat_template);
      } catch (e) {
        throw new ModelDirError(`onnx: ${configFile}: chat_template does not parse: ${(e as Error).message}`);
      }
    }
    const special = Object.fromEntries(['bos_token', 'eos_token', 'pad_token', 'unk_token'].map((k) => [k, tokenText(config[k])]));
    return new ChatTokenizer(tokenizer, template, special);
  }

  render(messages: readonly ChatMessage[]): RenderedPrompt {
    if (!this.template) {
      // No chat template: the model is a plain LM; feed the turns as text.
      return { text: messages.map((m) => m.content).join('\n'), prefill: '' };
    }
    const text = this.template.render({
      messages,
      add_generation_prompt: true,
      ...this.specialTokens,
    });
    const open = OPEN_THINK_AT_END.exec(text);
    return { text, prefill: open ? open[0] : '' };
  }

  /** Token ids of a rendered prompt. Without a chat template the tokenizer's own specials (BOS …) are added. */
  encodePrompt(p: RenderedPrompt): number[] {
    return this.tokenizer.encode(p.text, { add_special_tokens: !this.template }).ids;
  }

  encode(text: string, addSpecialTokens = false): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return ''; // the tokenizer library rejects an empty list
    return this.tokenizer.decode(ids as number[], { skip_special_tokens: true });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}
