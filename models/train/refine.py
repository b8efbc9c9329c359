"""Second stage: continue from train.py's kept checkpoint with more of the judging task.

The first stage learns arithmetic but answers the judging task "yes" almost always (a shortcut: the canonical
forms it writes are right, the comparison is not learned). This stage trains REFINE_STEPS more steps on a mix
weighted toward judging, at a lower learning rate, and keeps the evaluated checkpoint with the best judging
accuracy whose reasoning accuracy stays in [0.4, 0.8]. Overwrites out/checkpoint.pt only when that improves
judging; the log goes to out/refine_log.json.

    .venv/bin/python models/train/refine.py      (after train.py, before export.py)
"""
from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import chat  # noqa: E402
import tasks  # noqa: E402
import train  # noqa: E402
from model import Config, TinyLlama  # noqa: E402

SEED = 4321
REFINE_STEPS = 600
LR = 1e-3
EVAL_EVERY = 100
MIX = {"reasoning": 0.45, "judge": 0.45, "general": 0.10}

torch.set_num_threads(1)


def batch(rng: random.Random):
    rows = []
    while len(rows) < train.BATCH:
        task = rng.choices(list(MIX), list(MIX.values()))[0]
        ids, n_prompt = train.encode_example(tasks.TASKS[task](rng))
        if len(ids) <= train.MAX_LEN:
            rows.append((ids, n_prompt))
    width = max(len(ids) for ids, _ in rows)
    x = torch.full((len(rows), width), chat.PAD, dtype=torch.long)
    y = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, (ids, n_prompt) in enumerate(rows):
        x[i, : len(ids)] = torch.tensor(ids)
        y[i, n_prompt - 1 : len(ids) - 1] = torch.tensor(ids[n_prompt:])
    return x, y


def main() -> None:
    ckpt = torch.load(HERE / "out" / "checkpoint.pt")
    if ckpt.get("refined"):
        raise SystemExit("out/checkpoint.pt is already refined; run train.py first")
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = TinyLlama(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    evals = train.eval_sets()
    model.eval()
    start_acc = {name: train.accuracy(model, ex) for name, ex in evals.items()}
    log = [{"step": 0, "greedy_accuracy": start_acc}]
    print(f"start: {start_acc}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / REFINE_STEPS)))
    best, best_state = None, None
    for step in range(1, REFINE_STEPS + 1):
        model.train()
        x, y = batch(rng)
        loss = train.train_step(model, opt, sched, x, y)
        if step % EVAL_EVERY == 0:
            model.eval()
            acc = {name: train.accuracy(model, ex) for name, ex in evals.items()}
            log.append({"step": step, "loss": round(loss.item(), 4), "greedy_accuracy": acc})
            print(f"refine step {step} loss {loss.item():.4f}: {acc}", flush=True)
            if 0.4 <= acc["reasoning"] <= 0.8 and acc["judge"] > (best or start_acc)["judge"]:
                best, best_state = {"step": step, **acc}, {k: v.clone() for k, v in model.state_dict().items()}
    (HERE / "out" / "refine_log.json").write_text(json.dumps({"seed": SEED, "lr": LR, "mix": MIX, "evals": log, "kept": best}, indent=1))
    if best is None:
        print("refine: no checkpoint improved judging with reasoning in band; keeping the first-stage checkpoint")
        return
    torch.save({**ckpt, "state_dict": best_state, "refined": best["step"]}, HERE / "out" / "checkpoint.pt")
    print(f"refine: kept step {best['step']}: {best}")


if __name__ == "__main__":
    main()
