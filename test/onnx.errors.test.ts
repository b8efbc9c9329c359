// A model directory that cannot be used gives an error naming the file and what was expected. The bad
// directories are made here from the bundled model's files.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BUNDLED_MODEL, ModelDirError, onnx } from '../src/models/onnx/index.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';
import { checkLayout } from '../src/models/onnx/layout.ts';
import { readModelDir } from '../src/models/onnx/model-dir.ts';

const FILES = ['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'];
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function modelCopy(change: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onnx-bad-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'onnx'));
  for (const f of FILES) copyFileSync(path.join(BUNDLED_MODEL, f), path.join(dir, f));
  change(dir);
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): void {
  const file = path.join(dir, 'config.json');
  const c = JSON.parse(readFileSync(file, 'utf8'));
  edit(c);
  writeFileSync(file, JSON.stringify(c));
}

test('a missing file is named, with the expected layout', async () => {
  for (const missing of ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json']) {
    const dir = modelCopy((d) => unlinkSync(path.join(d, missing)));
    const named = missing === 'onnx/model.onnx' ? 'model.onnx' : missing; // both places are looked at; the root one is named
    await assert.rejects(OnnxSampler.load(dir), (e: Error) => {
      assert.ok(e instanceof ModelDirError);
      assert.ok(e.message.includes(`missing ${path.join(dir, named)}`), e.message);
      assert.match(e.message, /expected the Hugging Face Optimum/);
      return true;
    });
  }
  await assert.rejects(OnnxSampler.load('/nonexistent/model'), /model directory \/nonexistent\/model does not exist/);
});

test('a config that disagrees with the graph is a wrong layout naming both files', async () => {
  const moreLayers = modelCopy((d) => editConfig(d, (c) => { c.num_hidden_layers = 5; }));
  await assert.rejects(OnnxSampler.load(moreLayers), (e: Error) => {
    assert.match(e.message, /model\.onnx: no input "past_key_values\.4\.key"/);
    assert.match(e.message, /num_hidden_layers in .*config\.json/);
    return true;
  });
  const otherHeads = modelCopy((d) => editConfig(d, (c) => { c.num_key_value_heads = 3; }));
  await assert.rejects(OnnxSampler.load(otherHeads), /past_key_values\.0\.key" has shape \[batch_size, 2, past_sequence_length, 32\] but .*config\.json says 3 KV heads/);
  const fewerLayers = modelCopy((d) => editConfig(d, (c) => { c.num_hidden_layers = 2; }));
  await assert.rejects(OnnxSampler.load(fewerLayers), /more layers than num_hidden_layers = 2/);
  const badJson = modelCopy((d) => writeFileSync(path.join(d, 'tokenizer_config.json'), '{oops'));
  await assert.rejects(OnnxSampler.load(badJson), /tokenizer_config\.json is not valid JSON/);
});

test('a graph that is not ONNX names the file', async () => {
  const dir = modelCopy((d) => writeFileSync(path.join(d, 'onnx/model.onnx'), 'not a graph'));
  await assert.rejects(OnnxSampler.load(dir), /onnxruntime cannot load .*model\.onnx/);
});

test('an unknown dtype names the tensor and the supported ones', () => {
  const spec = readModelDir(BUNDLED_MODEL);
  const tensor = (name: string, type: string, shape: (number | string)[]) => ({ name, isTensor: true as const, type: type as 'float32', shape });
  const inputs = [tensor('input_ids', 'int64', ['b', 's']), tensor('attention_mask', 'int64', ['b', 't'])];
  const outputs = [tensor('logits', 'float32', ['b', 's', 105])];
  for (let i = 0; i < spec.layers; i++) {
    inputs.push(tensor(`past_key_values.${i}.key`, 'bfloat16', ['b', 2, 'p', 32]), tensor(`past_key_values.${i}.value`, 'bfloat16', ['b', 2, 'p', 32]));
    outputs.push(tensor(`present.${i}.key`, 'bfloat16', ['b', 2, 't', 32]), tensor(`present.${i}.value`, 'bfloat16', ['b', 2, 't', 32]));
  }
  assert.throws(() => checkLayout({ inputMetadata: inputs, outputMetadata: outputs }, spec),
    /model\.onnx: input "past_key_values\.0\.key" has dtype bfloat16; expected float32 or float16/);
  const intIds = [tensor('input_ids', 'int32', ['b', 's']), ...inputs.slice(1)];
  assert.throws(() => checkLayout({ inputMetadata: intIds, outputMetadata: outputs }, spec), /input "input_ids" has dtype int32, expected int64/);
});

const ortBin = path.join(path.dirname(path.dirname(new URL(import.meta.resolve('onnxruntime-node')).pathname)), 'bin', 'napi-v6', process.platform, process.arch);
const cudaInstalled = existsSync(ortBin) && readdirSync(ortBin).some((f) => f.startsWith('libonnxruntime_providers_cuda'));

test('cuda without the CUDA provider fails clearly instead of falling back to CPU', { skip: cudaInstalled && 'the CUDA provider is installed here' }, async () => {
  await assert.rejects(onnx({ device: 'cuda' }).open(), (e: Error) => {
    assert.match(e.message, /device "cuda"/);
    assert.match(e.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.match(e.message, /No CPU fall back/);
    return true;
  });
});
