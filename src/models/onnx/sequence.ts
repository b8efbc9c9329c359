import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { FinishReason } from '../../../schemas/sample.ts';
import type { ChatTokenizer } from './chat-tokenizer.ts';
import { greedyToken, logitsProcessors, sampleToken } from './logits/index.ts';
import type { LogitsProcessor } from './logits/processor.ts';
import { SampleRng } from './rng.ts';
import { firstStop, IncrementalText, StopMatcher } from './stop-strings.ts';

/** One sequence to generate: which prompt (index into the prompts) and the key its random stream comes from. */
export interface RowRequest {
  prompt: number;
  key: string;
  /** This row's own length limit, below the config's maxTokens (vLLM's per-request max_tokens). */
  maxTokens?: number;
  /** EOS is not drawn before this many tokens (vLLM's min_tokens); bench:onnx uses it to set answer lengths. */
  minTokens?: number;
}

/** A finished sequence (vLLM's CompletionOutput in spirit). */
export interface RowResult {
  text: string;
  finishReason: Exclude<FinishReason, 'error'>;
  /** What stopped it: the stop string matched, the EOS token id, or null when it ran to the length limit. */
  stopReason: string | number | null;
  completionTokens: number;
  /** Every generated token id, the EOS included when it ended the row. */
  tokenIds: number[];
}

/** The rules a generation config sets for every sequence, made once per config. */
export class SamplingRules {
  readonly processors: LogitsProcessor[];
  readonly eos: Set<number>;
  /**
   * Whether the device's token-pick graph can apply these rules: greedy or plain temperature sampling. Penalties,
   * top-k, top-p and min-p run on the host.
   */
  readonly devicePickable: boolean;
  readonly stops: StopMatcher | null;

  constructor(
    readonly config: GenerationConfig,
    eosIds: readonly number[],
    readonly tokenizer: ChatTokenizer,
    readonly maxContext: number | null,
  ) {
    this.processors = logitsProcessors(config);
    this.eos = new Set(eosIds);
    this.devicePickable = this.processors.every((p) => p.name === 'temperature');
    this.stops = config.stop.length ? new StopMatcher(config.stop) : null;
  }

  /** New tokens a prompt of this length may get: maxTokens, within the model's context. */
  maxNew(promptLength: number): number {
    return this.maxContext === null ? this.config.maxTokens : Math.min(this.config.maxTokens, this.maxContext - promptLength);
  }
}

/**
 * A sequence being generated: its own random stream and token ids; it picks its next token from the logits and
 * knows when it is done (EOS, a stop string found incrementally, or its length limit).
 */
export class Sequence {
  readonly generated: number[] = [];
  readonly rng: SampleRng;
  done: RowResult | null = null;
  private readonly text: IncrementalText | null;
  private readonly maxNew: number;
  private readonly minNew: number;

  constructor(
    readonly promptLength: number,
    request: Pick<RowRequest, 'key' | 'maxTokens' | 'minTokens'>,
    readonly rules: SamplingRules,
    maxNew = rules.maxNew(promptLength),
  ) {
    this.rng = new SampleRng(request.key);
    this.maxNew = Math.min(maxNew, request.maxTokens ?? Infinity);
    this.minNew = request.minTokens ?? 0;
    this.text = rules.stops ? new IncrementalText((ids) => rules.tokenizer.decode(ids)) : null;
  }

  /**
   * Pick the next token from this sequence's logits (rewritten in place by the sampling rules), on the host.
   * `drawn`: the uniform number devicePick already drew for this token (a device pick that failed), else one is drawn.
   */
  pick(logits: Float32Array, drawn?: number): number {
    const { rules } = this;
    if (this.generated.length < this.minNew) for (const id of rules.eos) logits[id] = -Infinity;
    for (const proc of rules.processors) proc.apply(logits, this.generated);
    const token = rules.config.temperature === 0 ? greedyToken(logits) : sampleToken(logits, drawn ?? this.rng.next());
    return this.accept(token);
  }

  /** Whether the next token can be picked on the device (its rules allow it, and no EOS is held off now). */
  get devicePickable(): boolean {
    return this.rules.devicePickable && (this.generated.length >= this.minNew || this.rules.eos.size === 0);
  }

  /**
   * What the device's token-pick graph needs for this sequence's next token; draws the sample's uniform number
   * exactly as the host pick would (one a sampled token, none for greedy), so the random stream stays the same.
   */
  devicePick(): { greedy: boolean; invTemperature: number; u: number } {
    const { temperature } = this.rules.config;
    if (temperature === 0) return { greedy: true, invTemperature: 1, u: 0 };
    return { greedy: false, invTemperature: 1 / temperature, u: this.rng.next() };
  }

  /** Take in the next token (picked on the host or on the device): EOS, stop strings and the length limit. */
  accept(token: number): number {
    const { rules } = this;
    this.generated.push(token);
    if (rules.eos.has(token)) {
      this.finish('stop', token);
    } else if (this.text && rules.stops) {
      const added = this.text.update(this.generated).length;
      const hit = rules.stops.check(this.text.text, added);
      if (hit) this.finish('stop', hit.stop, hit.at);
    }
    if (!this.done && this.generated.length >= this.maxNew) this.finish('length', null);
    return token;
  }

  private finish(reason: RowResult['finishReason'], stopReason: string | number | null, incrementalCut?: number): void {
    const { eos, tokenizer } = this.rules;
    let text = tokenizer.decode(this.generated.filter((t) => !eos.has(t)));
    if (typeof stopReason === 'string') {
      // The text is decoded once in full at the end; the stop string is cut there (the incremental text agrees).
      const hit = firstStop(text, this.rules.config.stop);
      text = hit.at >= 0 ? text.slice(0, hit.at) : this.text!.text.slice(0, incrementalCut);
    }
    this.done = { text, finishReason: reason, stopReason, completionTokens: this.generated.length, tokenIds: this.generated };
  }
}
