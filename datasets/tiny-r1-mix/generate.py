"""Generate the bundled demo prompt set from the task generators the bundled model was trained on.

    .venv/bin/python datasets/tiny-r1-mix/generate.py

Held out from training by seed (training draws from seeds 1234/1235, the golden file from 99, this set from 2024).
Writes prompts.jsonl next to this file: 48 reasoning prompts (domain "math") and 16 non-reasoning ones
(domain "general"), one JSON object a line: id, prompt, reference, domain, task.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "models" / "train"))
import tasks  # noqa: E402

SEED = 2024
COUNTS = {"reasoning": 48, "general": 16}
DOMAIN = {"reasoning": "math", "general": "general"}


def main() -> None:
    rng = random.Random(SEED)
    seen, rows = set(), []
    for task, n in COUNTS.items():
        i = 0
        while i < n:
            e = tasks.TASKS[task](rng)
            if e.user in seen:
                continue
            seen.add(e.user)
            rows.append({"id": f"{task}-{i:03d}", "prompt": e.user, "reference": e.answer, "domain": DOMAIN[task], "task": task})
            i += 1
    with open(HERE / "prompts.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} prompts")


if __name__ == "__main__":
    main()
