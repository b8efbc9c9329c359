"""Build the GPU bench's model and measure the reference: Hugging Face transformers `generate` on the same weights.

    python bench/gpu/model.py --out DIR --preset r1-distill-qwen-1.5b --dtype float16 --k 8 --new-tokens 512 --device cuda

1. A Qwen2 model with the shape of a real checkpoint (presets below) and random weights (seeded; nothing is
   downloaded), exported to DIR in the Optimum / transformers.js decoder layout by models/export/decoder_graph.py:
   config.json, generation_config.json, tokenizer.json, tokenizer_config.json, model.onnx (+ model.onnx.data).
   The model has no EOS token (generation_config has none), so every sample runs to exactly --new-tokens tokens
   on both sides and lengths are controlled.
2. The reference: transformers `generate` with the same weights and dtype on --device, one prompt repeated k times
   (do_sample, temperature 1), timed after a short warm-up. Written to DIR/reference.json with the prompt ids the
   Distillery side must use.

The tokenizer is a byte-level BPE whose merges are synthetic (all byte pairs, then byte triples, up to the
vocabulary size): random weights produce meaningless text anyway, and it covers every id the model can sample.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models" / "export"))
from decoder_graph import build_decoder, save  # noqa: E402

# Shapes of real checkpoints (config.json of the Hugging Face repos), random weights.
PRESETS = {
    # deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B
    "r1-distill-qwen-1.5b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                                 num_key_value_heads=2, vocab_size=151936, max_position_embeddings=131072,
                                 rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False),
    # Qwen/Qwen2.5-0.5B-Instruct
    "qwen2.5-0.5b": dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768,
                         rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True),
    # A tiny model of the same family for --smoke runs on a software Vulkan device.
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vocab_size=512, max_position_embeddings=4096,
                 rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=True),
}

CHAT_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'user' %}<｜User｜>{{ m['content'] }}"
    "{% elif m['role'] == 'assistant' %}<｜Assistant｜>{{ m['content'] }}<｜end▁of▁sentence｜>{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<｜Assistant｜><think>\n{% endif %}"
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-to-character table (byte-level BPE's alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def synthetic_tokenizer(vocab_size: int) -> dict:
    alphabet = list(bytes_to_unicode().values())
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    merges: list[str] = []
    pairs = [(a, b) for a in alphabet for b in alphabet]
    for a, b in pairs:
        if len(vocab) >= vocab_size:
            break
        vocab[a + b] = len(vocab)
        merges.append(f"{a} {b}")
    for a, b in pairs:  # then byte triples: every (pair, byte) is a distinct 3-character token
        if len(vocab) >= vocab_size:
            break
        for c in alphabet:
            if len(vocab) >= vocab_size:
                break
            vocab[a + b + c] = len(vocab)
            merges.append(f"{a + b} {c}")
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }


def write_model_dir(out: Path, preset: str, dtype: str, seed: int):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    shape = PRESETS[preset]
    config = Qwen2Config(**shape, bos_token_id=None, eos_token_id=None, pad_token_id=None)
    torch.manual_seed(seed)
    with torch.no_grad():
        model = Qwen2ForCausalLM(config).eval()
    t0 = time.time()
    proto = build_decoder(model, dtype, fused_norm=True)  # one kernel per RMSNorm on WebGPU
    out.mkdir(parents=True, exist_ok=True)
    save(proto, out / "model.onnx", external_data=True)
    export_s = time.time() - t0
    cfg = config.to_dict()
    cfg.update(architectures=["Qwen2ForCausalLM"], model_type="qwen2", torch_dtype=dtype, eos_token_id=None, pad_token_id=None)
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    # No EOS: every sample runs to max_new_tokens, on both sides.
    (out / "generation_config.json").write_text(json.dumps({"eos_token_id": [], "do_sample": True}) + "\n")
    (out / "tokenizer.json").write_text(json.dumps(synthetic_tokenizer(shape["vocab_size"]), ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": CHAT_TEMPLATE,
        "bos_token": None, "eos_token": None, "pad_token": None,
    }, indent=2) + "\n")
    params = sum(p.numel() for p in model.parameters())
    return model, config, params, export_s


def reference(model, config, dtype: str, device: str, prompt_ids: list[int], k: int, new_tokens: int) -> dict:
    torch_dtype = torch.float16 if dtype == "float16" else torch.float32
    model = model.to(device=device, dtype=torch_dtype)
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    ids = torch.tensor([prompt_ids] * k, device=device)
    mask = torch.ones_like(ids)
    kwargs = dict(do_sample=True, temperature=1.0, top_k=0, top_p=1.0, pad_token_id=0, eos_token_id=None)

    def sync():
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    with torch.no_grad():
        model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, min_new_tokens=8, **kwargs)  # warm-up
        sync()
        if device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kwargs)
        sync()
        seconds = time.perf_counter() - t0
    generated = int((out.shape[1] - ids.shape[1]) * out.shape[0])
    info = {
        "library": "transformers " + __import__("transformers").__version__ + ", torch " + torch.__version__,
        "device": torch.cuda.get_device_name(0) if device.startswith("cuda") else device,
        "dtype": dtype, "batch": k, "new_tokens": new_tokens, "tokens": generated, "seconds": seconds,
        "tokens_per_second": generated / seconds,
        "attn_implementation": getattr(model.config, "_attn_implementation", None),
    }
    if device.startswith("cuda"):
        info["gpu_peak_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--preset", default="r1-distill-qwen-1.5b", choices=sorted(PRESETS))
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--new-tokens", type=int, default=512)
    ap.add_argument("--prompt-tokens", type=int, default=32)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model, config, params, export_s = write_model_dir(args.out, args.preset, args.dtype, args.seed)
    g = torch.Generator().manual_seed(args.seed + 1)
    prompt_ids = torch.randint(256, config.vocab_size, (args.prompt_tokens,), generator=g).tolist()
    result = {"preset": args.preset, "dtype": args.dtype, "params": params, "export_seconds": export_s,
              "prompt_ids": prompt_ids, "k": args.k, "new_tokens": args.new_tokens,
              "num_hidden_layers": config.num_hidden_layers, "num_key_value_heads": config.num_key_value_heads,
              "head_dim": config.hidden_size // config.num_attention_heads,
              "tied_embeddings": bool(config.tie_word_embeddings), "vocab_size": config.vocab_size,
              "hidden_size": config.hidden_size}
    if not args.no_reference:
        result["reference"] = reference(model, config, args.dtype, args.device, prompt_ids, args.k, args.new_tokens)
    (args.out / "reference.json").write_text(json.dumps(result) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "prompt_ids"}), flush=True)


if __name__ == "__main__":
    main()
