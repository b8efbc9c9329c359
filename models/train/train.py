"""Train the bundled tiny R1-format model and keep the checkpoint that makes rejection sampling meaningful.

Deterministic: seeded data and init, one CPU thread, checkpoints by step count. Every EVAL_EVERY steps the
model is evaluated greedily on a fixed held-out reasoning set; training stops once greedy accuracy passes
STOP_ACC (or at MAX_STEPS) and the kept checkpoint is the evaluated one whose accuracy is in [0.4, 0.8] and
closest to TARGET_ACC. Writes models/train/out/{checkpoint.pt,train_log.json}.

    .venv/bin/python models/train/train.py
"""
from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import chat  # noqa: E402
import tasks  # noqa: E402
from model import Config, TinyLlama  # noqa: E402

SEED = 1234
BATCH = 16
MAX_LEN = 256
LR = 3e-3
WARMUP = 50
MAX_STEPS = 2000
EVAL_EVERY = 100
FIRST_EVAL = 600
STOP_ACC = 0.85
TARGET_ACC = 0.6
EVAL_PROMPTS = 60
OUT = HERE / "out"

torch.set_num_threads(1)
TOK = chat.build_tokenizer()


def encode_example(ex: tasks.Example) -> tuple[list[int], int]:
    prompt = TOK.encode(chat.render_prompt(ex.user)).ids
    completion = TOK.encode(ex.response() + "<|end|>").ids
    return prompt + completion, len(prompt)


def batch(rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    rows = []
    while len(rows) < BATCH:
        ids, n_prompt = encode_example(tasks.mixed(rng))
        if len(ids) <= MAX_LEN:
            rows.append((ids, n_prompt))
    width = max(len(ids) for ids, _ in rows)
    x = torch.full((BATCH, width), chat.PAD, dtype=torch.long)
    y = torch.full((BATCH, width), -100, dtype=torch.long)  # loss only on the completion
    for i, (ids, n_prompt) in enumerate(rows):
        x[i, : len(ids)] = torch.tensor(ids)
        y[i, n_prompt - 1 : len(ids) - 1] = torch.tensor(ids[n_prompt:])
    return x, y


def train_step(model: TinyLlama, opt: torch.optim.Optimizer, sched: torch.optim.lr_scheduler.LRScheduler,
               x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One optimiser step on a batch (next-token loss on the answer tokens, clipped gradients); returns the loss."""
    logits, _ = model(x, (x != chat.PAD).long(), torch.arange(x.shape[1]).expand_as(x))
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    return loss


@torch.no_grad()
def generate(model: TinyLlama, prompts: list[list[int]], max_new: int = 200, temperature: float = 0.0,
             gen: torch.Generator | None = None) -> list[list[int]]:
    """Batched generation with left padding and a KV cache (the same scheme the ONNX sampler uses)."""
    b = len(prompts)
    width = max(len(p) for p in prompts)
    ids = torch.full((b, width), chat.PAD, dtype=torch.long)
    mask = torch.zeros((b, width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    logits, past = model(ids, mask, pos)
    out = [[] for _ in range(b)]
    done = torch.zeros(b, dtype=torch.bool)
    for _ in range(max_new):
        last = logits[:, -1, :]
        if temperature > 0:
            nxt = torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=gen).squeeze(-1)
        else:
            nxt = last.argmax(-1)
        for i in range(b):
            if not done[i]:
                if nxt[i].item() == chat.EOS:
                    done[i] = True
                else:
                    out[i].append(nxt[i].item())
        if done.all():
            break
        mask = torch.cat([mask, torch.ones((b, 1), dtype=torch.long)], dim=1)
        pos = pos[:, -1:] + 1
        logits, past = model(nxt.unsqueeze(-1), mask, pos, past)
    return out


def final_answer(text: str) -> str | None:
    if "<answer>" in text and "</answer>" in text:
        return text.split("<answer>", 1)[1].split("</answer>", 1)[0].strip()
    if "\\boxed{" in text:
        return text.split("\\boxed{", 1)[1].split("}", 1)[0].strip()
    return None


def accuracy(model: TinyLlama, examples: list[tasks.Example]) -> float:
    outs = generate(model, [TOK.encode(chat.render_prompt(e.user)).ids for e in examples])
    ok = sum(final_answer(TOK.decode(o)) == e.answer for o, e in zip(outs, examples))
    return ok / len(examples)


def eval_sets() -> dict[str, list[tasks.Example]]:
    rng = random.Random(SEED + 1)  # held out: a different stream from training
    return {name: [fn(rng) for _ in range(EVAL_PROMPTS)] for name, fn in tasks.TASKS.items()}


def main() -> None:
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    config = Config(vocab_size=TOK.get_vocab_size())
    model = TinyLlama(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params: {n_params}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.01)
    # Linear warm-up, then cosine decay to 10 % at MAX_STEPS: accuracy settles instead of swinging with the noise.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * (0.1 + 0.45 * (1 + math.cos(math.pi * min(s, MAX_STEPS) / MAX_STEPS))))
    evals = eval_sets()
    log, checkpoints = [], {}
    start = time.time()
    for step in range(1, MAX_STEPS + 1):
        model.train()
        x, y = batch(rng)
        loss = train_step(model, opt, sched, x, y)
        if step % 25 == 0:
            print(f"step {step} loss {loss.item():.4f} {time.time() - start:.0f}s", flush=True)
        if step >= FIRST_EVAL and step % EVAL_EVERY == 0:
            model.eval()
            acc = {name: accuracy(model, ex) for name, ex in evals.items()}
            log.append({"step": step, "loss": round(loss.item(), 4), "greedy_accuracy": acc, "seconds": round(time.time() - start)})
            print(f"eval step {step}: {acc}", flush=True)
            checkpoints[step] = {k: v.clone() for k, v in model.state_dict().items()}
            if acc["reasoning"] >= STOP_ACC:
                break
    in_band = [e for e in log if 0.4 <= e["greedy_accuracy"]["reasoning"] <= 0.8]
    if in_band:
        chosen = min(in_band, key=lambda e: (abs(e["greedy_accuracy"]["reasoning"] - TARGET_ACC), e["step"]))
    else:
        print("warning: no checkpoint with greedy reasoning accuracy in [0.4, 0.8]; keeping the most accurate one")
        chosen = max(log, key=lambda e: (e["greedy_accuracy"]["reasoning"], -e["step"]))
    OUT.mkdir(exist_ok=True)
    torch.save({"config": config.to_dict(), "state_dict": checkpoints[chosen["step"]], "step": chosen["step"]}, OUT / "checkpoint.pt")
    (OUT / "train_log.json").write_text(json.dumps({"seed": SEED, "params": n_params, "batch": BATCH, "lr": LR,
                                                    "chosen_step": chosen["step"], "evals": log}, indent=1))
    print(f"chosen step {chosen['step']}: {chosen['greedy_accuracy']}")


if __name__ == "__main__":
    main()
