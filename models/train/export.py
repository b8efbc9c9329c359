"""Export the kept checkpoint to ONNX in the Optimum decoder layout, with its config, tokenizer and golden file.

    .venv/bin/python models/train/export.py        (after train.py and refine.py)

Writes models/distillery-tiny-r1/: onnx/model.onnx (the transformers.js / onnx-community layout), config.json, generation_config.json, tokenizer.json,
tokenizer_config.json, golden.json (prompts → PyTorch greedy token ids), eval.json (accuracy and the spread of
per-prompt pass rates at temperature 0.8).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import chat  # noqa: E402
import tasks  # noqa: E402
from model import Config, TinyLlama  # noqa: E402
from train import TOK, final_answer, generate  # noqa: E402

DEST = HERE.parent / "distillery-tiny-r1"
GOLDEN_SEED = 99
SPREAD_SEED = 7
SPREAD_PROMPTS = 40
SPREAD_K = 8
OPSET = 14

torch.set_num_threads(1)


class OnnxDecoder(torch.nn.Module):
    """Flat signature for export: (input_ids, attention_mask, position_ids, past_0_key, past_0_value, …)."""

    def __init__(self, model: TinyLlama):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, present = self.model(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for kv in present for t in kv])


def export(model: TinyLlama, c: Config) -> None:
    layers = range(c.num_hidden_layers)
    past_names = [f"past_key_values.{i}.{kv}" for i in layers for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in layers for kv in ("key", "value")]
    b, t, p = 2, 3, 4
    dummy = (
        torch.randint(10, 50, (b, t)),
        torch.ones((b, p + t), dtype=torch.long),
        torch.arange(p, p + t).expand(b, t),
        *[torch.randn(b, c.num_key_value_heads, p, c.head_dim) for _ in past_names],
    )
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    dynamic.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    dynamic.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names})
    torch.onnx.export(OnnxDecoder(model), dummy, str(DEST / "onnx" / "model.onnx"), opset_version=OPSET, dynamo=False,
                      input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=dynamic)


def check_export(model: TinyLlama, c: Config) -> float:
    """Max |logit difference| between PyTorch and onnxruntime on a left-padded batch with an empty past."""
    sess = onnxruntime.InferenceSession(str(DEST / "onnx" / "model.onnx"))
    ids = torch.randint(10, 60, (2, 6))
    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]])
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    feeds = {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "position_ids": pos.numpy()}
    for i in range(c.num_hidden_layers):
        for kv in ("key", "value"):
            feeds[f"past_key_values.{i}.{kv}"] = np.zeros((2, c.num_key_value_heads, 0, c.head_dim), dtype=np.float32)
    onnx_logits = sess.run(["logits"], feeds)[0]
    with torch.no_grad():
        torch_logits, _ = model(ids, mask, pos)
    return float(np.abs(onnx_logits - torch_logits.numpy())[mask.numpy() == 1].max())


def golden(model: TinyLlama) -> list[dict]:
    rng = random.Random(GOLDEN_SEED)
    examples = [fn(rng) for fn in tasks.TASKS.values() for _ in range(8)]
    rows = []
    for e in examples:
        prompt_ids = TOK.encode(chat.render_prompt(e.user)).ids
        out = generate(model, [prompt_ids])[0]
        rows.append({"task": e.task, "messages": [{"role": "user", "content": e.user}], "prompt_ids": prompt_ids,
                     "greedy_ids": out, "text": TOK.decode(out), "reference": e.answer})
    return rows


def spread(model: TinyLlama) -> dict:
    """Per-prompt pass rates at temperature 0.8 (k samples each): what rejection sampling will see."""
    rng = random.Random(SPREAD_SEED)
    examples = [tasks.reasoning(rng) for _ in range(SPREAD_PROMPTS)]
    gen = torch.Generator().manual_seed(SPREAD_SEED)
    prompts = [TOK.encode(chat.render_prompt(e.user)).ids for e in examples for _ in range(SPREAD_K)]
    outs = generate(model, prompts, temperature=0.8, gen=gen)
    rates = []
    for i, e in enumerate(examples):
        ok = sum(final_answer(TOK.decode(o)) == e.answer for o in outs[i * SPREAD_K:(i + 1) * SPREAD_K])
        rates.append(ok / SPREAD_K)
    greedy = generate(model, [TOK.encode(chat.render_prompt(e.user)).ids for e in examples])
    return {
        "prompts": SPREAD_PROMPTS, "k": SPREAD_K, "temperature": 0.8,
        "greedy_accuracy": sum(final_answer(TOK.decode(o)) == e.answer for o, e in zip(greedy, examples)) / SPREAD_PROMPTS,
        "sampled_accuracy": sum(rates) / len(rates),
        "never_solved": sum(r == 0 for r in rates), "always_solved": sum(r == 1 for r in rates),
        "solved_at_least_once": sum(r > 0 for r in rates),
        "pass_rate_histogram": {f"{j}/{SPREAD_K}": sum(round(r * SPREAD_K) == j for r in rates) for j in range(SPREAD_K + 1)},
    }


def main() -> None:
    ckpt = torch.load(HERE / "out" / "checkpoint.pt")
    c = Config(**ckpt["config"])
    model = TinyLlama(c)
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    (DEST / "onnx").mkdir(parents=True, exist_ok=True)
    export(model, c)
    diff = check_export(model, c)
    assert diff < 1e-3, f"onnxruntime logits differ from PyTorch by {diff}"
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": c.hidden_size, "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_hidden_layers, "num_attention_heads": c.num_attention_heads,
        "num_key_value_heads": c.num_key_value_heads, "head_dim": c.head_dim, "vocab_size": c.vocab_size,
        "max_position_embeddings": c.max_position_embeddings, "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": c.rope_theta, "hidden_act": "silu", "tie_word_embeddings": True,
        "bos_token_id": None, "eos_token_id": chat.EOS, "pad_token_id": chat.PAD, "torch_dtype": "float32",
    }
    (DEST / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (DEST / "generation_config.json").write_text(json.dumps(
        {"eos_token_id": chat.EOS, "pad_token_id": chat.PAD, "do_sample": True, "temperature": 0.8, "max_new_tokens": 256}, indent=2) + "\n")
    TOK.save(str(DEST / "tokenizer.json"))
    (DEST / "tokenizer_config.json").write_text(json.dumps(chat.tokenizer_config(), indent=2) + "\n")
    (DEST / "golden.json").write_text(json.dumps({"max_new_tokens": 200, "rows": golden(model)}, indent=1) + "\n")
    log = json.loads((HERE / "out" / "train_log.json").read_text())
    refine_log = HERE / "out" / "refine_log.json"
    stats = {"step": ckpt["step"], "refined_steps": ckpt.get("refined"), "params": log["params"],
             "max_logit_diff_onnx_vs_torch": diff, "train_evals": log["evals"],
             "refine": json.loads(refine_log.read_text()) if ckpt.get("refined") else None, "spread": spread(model)}
    (DEST / "eval.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats["spread"], indent=1))


if __name__ == "__main__":
    main()
