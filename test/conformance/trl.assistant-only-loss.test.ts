/**
 * TRL's SFTTrainer with assistant_only_loss=True on a Distillery sft corpus, with the bundled model's tokenizer and
 * chat template: the template's {% generation %} markers give transformers the assistant-token mask TRL needs
 * (without them TRL refuses). A few optimizer steps of the bundled architecture (random weights: the ONNX export
 * ships no PyTorch weights) from the offline wheels, in a venv kept between runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUNDLED_MODEL } from '../../src/index.ts';
import { runCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from '../support/engine-fixture.ts';
import { offlineHfEnv } from '../support/python-datasets.ts';

const exec = promisify(execFile);
const WHEELS = ['file:///opt/pypi/simple', 'file:///opt/pypi-more/simple'];
const PACKAGES = ['trl', 'transformers', 'torch', 'datasets', 'accelerate', 'pyarrow'];

function pythonWithTrl(): { python: string } | { skip: string } {
  const works = (python: string) => existsSync(python) && spawnSync(python, ['-c', 'import trl, torch, datasets'], { stdio: 'ignore' }).status === 0;
  const venv = path.join(process.env.DISTILLERY_TEST_CACHE ?? tmpdir(), 'distillery-test-venv-trl'); // kept between runs
  const python = path.join(venv, 'bin/python');
  if (works(python)) return { python };
  if (!existsSync('/opt/pypi/simple/trl')) return { skip: 'no offline wheels for trl at /opt/pypi' };
  try {
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore' });
    execFileSync(path.join(venv, 'bin/pip'), ['install', '--quiet', ...PACKAGES], { stdio: 'ignore', env: { ...process.env, PIP_INDEX_URL: WHEELS[0], PIP_EXTRA_INDEX_URL: WHEELS[1] } });
  } catch (e) {
    return { skip: `could not make a venv with trl from the offline wheels: ${(e as Error).message}` };
  }
  return works(python) ? { python } : { skip: 'installed trl but cannot import it' };
}

const SCRIPT = String.raw`
import json, sys, glob
import torch
from datasets import load_dataset
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

corpus, model_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
torch.manual_seed(0)
ds = load_dataset("parquet", data_files=sorted(glob.glob(corpus + "/sft/*.parquet")), split="train").select_columns(["messages"])
tok = AutoTokenizer.from_pretrained(model_dir)
first = tok.apply_chat_template(ds[0]["messages"], tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
ids, mask = first["input_ids"], first["assistant_masks"]
assistant = tok.decode([t for t, m in zip(ids, mask) if m])
model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
args = SFTConfig(output_dir=out, assistant_only_loss=True, max_steps=3, per_device_train_batch_size=4, learning_rate=1e-3,
                 logging_steps=1, save_strategy="no", report_to=[], use_cpu=True, max_length=512, dataloader_num_workers=0)
trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok)
batch = trainer.data_collator([trainer.train_dataset[i] for i in range(min(4, len(trainer.train_dataset)))])
result = trainer.train()
print(json.dumps({
  "rows": len(ds),
  "assistant": assistant,
  "expected": ds[0]["messages"][-1]["content"] + "<|end|>",
  "masked_tokens": int(sum(mask)),
  "tokens": len(ids),
  "label_tokens": int((batch["labels"] != -100).sum()),
  "batch_tokens": int(batch["attention_mask"].sum()),
  "steps": int(result.global_step),
  "loss": float(result.training_loss),
}))
`;

test('TRL SFTTrainer with assistant_only_loss=True trains on the sft corpus with the bundled chat template', { timeout: 1_200_000 }, async (t) => {
  const found = pythonWithTrl();
  if ('skip' in found) {
    t.skip(found.skip);
    return;
  }
  const dir = tempWorkdir('trl');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 12);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 12, 2);
  writePipeline(path.join(dir, 'pipe.ts'), { k: 2 });
  const out = path.join(dir, 'out');
  const build = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', out]);
  assert.equal(build.code, 0, build.stderr);

  const { stdout } = await exec(found.python, ['-c', SCRIPT, out, BUNDLED_MODEL, path.join(dir, 'trl')], { maxBuffer: 1 << 26, env: offlineHfEnv(path.join(dir, '.hf')) });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number | string>;
  assert.ok(Number(r.rows) >= 8, `sft rows: ${r.rows}`);
  // The mask covers exactly the assistant's content and its end marker: not the user turn, not "<|assistant|>".
  assert.equal(r.assistant, r.expected);
  assert.ok(Number(r.masked_tokens) > 0 && Number(r.masked_tokens) < Number(r.tokens));
  // The collator's labels keep only assistant tokens: fewer than all the tokens of the batch.
  assert.ok(Number(r.label_tokens) > 0 && Number(r.label_tokens) < Number(r.batch_tokens), `labels ${r.label_tokens} of ${r.batch_tokens}`);
  assert.equal(r.steps, 3);
  assert.ok(Number.isFinite(Number(r.loss)) && Number(r.loss) > 0, `loss ${r.loss}`);
});
