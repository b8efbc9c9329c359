"""Build an ONNX decoder graph in the Hugging Face Optimum / transformers.js layout from a transformers model.

    input_ids [batch, seq] int64, attention_mask [batch, past + seq] int64, position_ids [batch, seq] int64,
    past_key_values.N.key|value [batch, kv_heads, past, head_dim]
      -> logits [batch, seq, vocab], present.N.key|value [batch, kv_heads, past + seq, head_dim]

The graph is written op by op from the model's own weights and config (no tracing), so the same code works with
the transformers/torch versions here and on a GPU machine, and a 1.5B model is built in seconds. Supported
families (the decoder blocks differ only in the ways listed):
  qwen2  (GQA, bias on q/k/v)      qwen3 (GQA, RMSNorm on q and k per head, head_dim given)
  llama  (llama3 rope scaling)     phi3  (fused qkv_proj and gate_up_proj)
Rotary frequencies come from the model's own rotary module (inv_freq, attention_scaling), so rope scaling types
(llama3, …) are exactly the model's. Normalisation and softmax run in float32 as in transformers' code; weights
and activations are float32 or float16.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
FAMILIES = ("qwen2", "qwen3", "llama", "phi3")


class _Graph:
    """Small helper around onnx.helper: unique names, initializers, typed constants."""

    def __init__(self, np_dtype):
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0
        self.np_dtype = np_dtype
        self.onnx_dtype = TensorProto.FLOAT16 if np_dtype == np.float16 else TensorProto.FLOAT

    def name(self, base: str) -> str:
        self.count += 1
        return f"/{base}_{self.count}"

    def op(self, op_type: str, inputs: list[str], base: str | None = None, outputs: list[str] | None = None, n_out: int = 1, **attrs) -> str | list[str]:
        outs = outputs or [self.name(f"{base or op_type}/out{i}") for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name(base or op_type), **attrs))
        return outs[0] if len(outs) == 1 else outs

    def init(self, name: str, array: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, name: str, array: np.ndarray) -> str:
        return self.init(name, array.astype(self.np_dtype))

    def const(self, values, dtype) -> str:
        return self.init(self.name("const"), np.array(values, dtype=dtype))


def _np(t) -> np.ndarray:
    return t.detach().float().cpu().numpy()


def family_of(config) -> str:
    family = config.model_type
    if family not in FAMILIES:
        raise ValueError(f"decoder_graph: model_type {family!r} is not supported; supported: {', '.join(FAMILIES)}")
    return family


def build_decoder(model, dtype: str = "float32", attention: str = "ops", fused_norm: bool = False) -> onnx.ModelProto:
    """The decoder graph of a transformers *ForCausalLM model (weights read from it, in eval mode).

    attention="ops": attention from standard ONNX ops (what the Optimum exports do; any padding).
    attention="gqa": onnxruntime's com.microsoft GroupQueryAttention, fed as onnxruntime-genai's model builder
    feeds it (sequence lengths from the attention mask's row sums, rotary inside the op): the layout of genai
    exports, used to check that the sampler refuses them. qwen2/llama only.
    fused_norm: RMSNorm as onnxruntime's SimplifiedLayerNormalization (one kernel; the GPU bench's graph)."""
    config = model.config
    family = family_of(config)
    np_dtype = np.float16 if dtype == "float16" else np.float32
    g = _Graph(np_dtype)
    sd = {k: v for k, v in model.state_dict().items()}
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    hidden = config.hidden_size
    layers = config.num_hidden_layers
    eps = float(config.rms_norm_eps)
    vocab = config.vocab_size
    rotary = model.model.rotary_emb
    inv_freq = _np(rotary.inv_freq).astype(np.float32)
    rot_dim = inv_freq.shape[0] * 2  # partial rotary: the first rot_dim of each head
    attention_scaling = float(getattr(rotary, "attention_scaling", 1.0))
    scale = float(getattr(model.model.layers[0].self_attn, "scaling", head_dim ** -0.5))

    f32 = TensorProto.FLOAT
    dt = g.onnx_dtype
    axes_last = g.const([-1], np.int64)

    def cast(x: str, to: int) -> str:
        return g.op("Cast", [x], "Cast", to=to)

    def rms_norm(x: str, weight: np.ndarray, name: str) -> str:
        if fused_norm:
            # onnxruntime's SimplifiedLayerNormalization (float32 inside, stash_type 1): one kernel instead of
            # seven, on every provider (the op-by-op form below is fused by onnxruntime on CPU/CUDA, not WebGPU).
            return g.op("SimplifiedLayerNormalization", [x, g.weight(f"{name}.weight", weight)], name, axis=-1, epsilon=eps, stash_type=1)
        # transformers: x.float(); x * rsqrt(mean(x^2) + eps); weight * x.to(dtype). Written as ORT's
        # SimplifiedLayerNormalization fusion expects it (Pow, ReduceMean, Add, Sqrt, Div, Mul).
        xf = cast(x, f32) if dt != f32 else x
        sq = g.op("Pow", [xf, g.const(2.0, np.float32)], f"{name}/Pow")
        mean = g.op("ReduceMean", [sq], f"{name}/ReduceMean", axes=[-1], keepdims=1)
        std = g.op("Sqrt", [g.op("Add", [mean, g.const(eps, np.float32)], f"{name}/Add")], f"{name}/Sqrt")
        normed = g.op("Div", [xf, std], f"{name}/Div")
        normed = cast(normed, dt) if dt != f32 else normed
        return g.op("Mul", [normed, g.weight(f"{name}.weight", weight)], f"{name}/Mul")

    def linear(x: str, prefix: str) -> str:
        w = g.weight(f"{prefix}.weight", _np(sd[f"{prefix}.weight"]).T)  # [in, out]: MatMul (MatMulNBits-quantisable)
        y = g.op("MatMul", [x, w], f"{prefix}/MatMul")
        if f"{prefix}.bias" in sd:
            y = g.op("Add", [y, g.weight(f"{prefix}.bias", _np(sd[f"{prefix}.bias"]))], f"{prefix}/Add")
        return y

    # Inputs and outputs.
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
    ]
    outputs = [helper.make_tensor_value_info("logits", dt, ["batch_size", "sequence_length", vocab])]
    for i in range(layers):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", dt, ["batch_size", kv_heads, "past_sequence_length", head_dim]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", dt, ["batch_size", kv_heads, "total_sequence_length", head_dim]))

    # Embedding.
    x = g.op("Gather", [g.weight("model.embed_tokens.weight", _np(sd["model.embed_tokens.weight"])), "input_ids"], "embed_tokens", axis=0)

    # Rotary cos/sin [batch, 1, seq, rot_dim], computed in float32 then cast (as transformers does).
    pos = cast(g.op("Unsqueeze", ["position_ids", axes_last], "rotary/Unsqueeze"), f32)  # [b, s, 1]
    freqs = g.op("Mul", [pos, g.init("rotary.inv_freq", inv_freq)], "rotary/Mul")  # [b, s, rot/2]
    emb = g.op("Concat", [freqs, freqs], "rotary/Concat", axis=-1)
    one = g.const([1], np.int64)

    def trig(op: str) -> str:
        t = g.op(op, [emb], f"rotary/{op}")
        if attention_scaling != 1.0:
            t = g.op("Mul", [t, g.const(attention_scaling, np.float32)], f"rotary/{op}Scale")
        t = cast(t, dt) if dt != f32 else t
        return g.op("Unsqueeze", [t, one], f"rotary/{op}Unsqueeze")

    cos, sin = trig("Cos"), trig("Sin")

    # Additive attention bias [batch, 1, seq, total]: key j is visible to query i when attention_mask[j] = 1 and
    # j <= past + i (causal). Masked entries get float32's lowest value, as transformers' masks do.
    total = g.op("Gather", [g.op("Shape", ["attention_mask"], "mask/Shape"), g.const(1, np.int64)], "mask/total", axis=0)
    seq = g.op("Gather", [g.op("Shape", ["input_ids"], "mask/ShapeIds"), g.const(1, np.int64)], "mask/seq", axis=0)
    past_len = g.op("Sub", [total, seq], "mask/past")
    key_pos = g.op("Range", [g.const(0, np.int64), total, g.const(1, np.int64)], "mask/keys")  # [t]
    query_pos = g.op("Range", [past_len, total, g.const(1, np.int64)], "mask/queries")  # [s]
    causal = g.op("LessOrEqual", [key_pos, g.op("Unsqueeze", [query_pos, axes_last], "mask/q")], "mask/causal")  # [s, t]
    padding = g.op("Cast", [g.op("Unsqueeze", ["attention_mask", g.const([1, 2], np.int64)], "mask/pad")], "mask/padBool", to=TensorProto.BOOL)
    visible = g.op("And", [causal, padding], "mask/visible")  # [b, 1, s, t]
    bias = g.op("Where", [visible, g.const(0.0, np.float32), g.const(np.finfo(np.float32).min, np.float32)], "mask/bias")

    shape_heads = g.const([0, 0, heads, head_dim], np.int64)
    shape_kv = g.const([0, 0, kv_heads, head_dim], np.int64)
    group_q = g.const([0, kv_heads, -1, head_dim], np.int64)  # [b, h, s, d] -> [b, kvh, rep*s, d]
    ungroup_scores = g.const([0, heads, -1, 0], np.int64)  # [b, kvh, rep*s, t] -> [b, h, s, t]
    group_scores = g.const([0, kv_heads, -1, 0], np.int64)
    ungroup_out = g.const([0, heads, -1, head_dim], np.int64)
    merge_heads = g.const([0, 0, heads * head_dim], np.int64)

    def rope(t: str, name: str) -> str:
        # transformers' rotate_half on the first rot_dim of each head.
        if rot_dim < head_dim:
            t_rot, t_pass = g.op("Split", [t, g.const([rot_dim, head_dim - rot_dim], np.int64)], f"{name}/SplitPartial", n_out=2, axis=-1)
        else:
            t_rot, t_pass = t, None
        half = g.const([rot_dim // 2, rot_dim // 2], np.int64)
        a, b = g.op("Split", [t_rot, half], f"{name}/Split", n_out=2, axis=-1)
        rotated = g.op("Concat", [g.op("Neg", [b], f"{name}/Neg"), a], f"{name}/Concat", axis=-1)
        out = g.op("Add", [g.op("Mul", [t_rot, cos], f"{name}/MulCos"), g.op("Mul", [rotated, sin], f"{name}/MulSin")], f"{name}/Add")
        if t_pass is not None:
            out = g.op("Concat", [out, t_pass], f"{name}/ConcatPass", axis=-1)
        return out

    if attention == "gqa":
        if family not in ("qwen2", "llama") or rot_dim != head_dim:
            raise ValueError("decoder_graph: attention='gqa' is written for qwen2/llama with full rotary")
        # onnxruntime-genai's builder: seqlens_k = row sums of the mask - 1, total length = the mask's width,
        # cos/sin caches [max positions, head_dim / 2] and rotary inside the op.
        ms_ = g.op("ReduceSum", ["attention_mask", g.const([1], np.int64)], "gqa/ReduceSum", keepdims=0)
        seqlens_k = g.op("Cast", [g.op("Sub", [ms_, g.const(1, np.int64)], "gqa/Sub")], "gqa/seqlens_k", to=TensorProto.INT32)
        total_len = g.op("Cast", [total], "gqa/total", to=TensorProto.INT32)
        cache_len = min(int(config.max_position_embeddings), 4096)
        angles = np.arange(cache_len, dtype=np.float32)[:, None] * inv_freq[None, :]
        cos_cache = g.weight("gqa.cos_cache", np.cos(angles) * attention_scaling)
        sin_cache = g.weight("gqa.sin_cache", np.sin(angles) * attention_scaling)

    def gqa(q: str, k: str, v: str, i: int) -> str:
        out, _, _ = g.op("GroupQueryAttention", [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens_k, total_len, cos_cache, sin_cache],
                         f"model.layers.{i}/GroupQueryAttention", outputs=[g.name(f"gqa{i}/out"), f"present.{i}.key", f"present.{i}.value"],
                         domain="com.microsoft", num_heads=heads, kv_num_heads=kv_heads, do_rotary=1, scale=scale)
        return out

    for i in range(layers):
        p = f"model.layers.{i}"
        h = rms_norm(x, _np(sd[f"{p}.input_layernorm.weight"]), f"{p}.input_layernorm")
        if family == "phi3":
            qkv = linear(h, f"{p}.self_attn.qkv_proj")
            q, k, v = g.op("Split", [qkv, g.const([heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], np.int64)], f"{p}/qkvSplit", n_out=3, axis=-1)
        else:
            q, k, v = (linear(h, f"{p}.self_attn.{n}_proj") for n in ("q", "k", "v"))
        if attention == "gqa":
            x = g.op("Add", [x, linear(gqa(q, k, v, i), f"{p}.self_attn.o_proj")], f"{p}/residual1")
            h = rms_norm(x, _np(sd[f"{p}.post_attention_layernorm.weight"]), f"{p}.post_attention_layernorm")
            gate, up = linear(h, f"{p}.mlp.gate_proj"), linear(h, f"{p}.mlp.up_proj")
            act = g.op("Mul", [gate, g.op("Sigmoid", [gate], f"{p}/Sigmoid")], f"{p}/silu")
            x = g.op("Add", [x, linear(g.op("Mul", [act, up], f"{p}/gateMul"), f"{p}.mlp.down_proj")], f"{p}/residual2")
            continue
        q = g.op("Reshape", [q, shape_heads], f"{p}/qReshape")  # [b, s, h, d]
        k = g.op("Reshape", [k, shape_kv], f"{p}/kReshape")
        v = g.op("Reshape", [v, shape_kv], f"{p}/vReshape")
        if family == "qwen3":
            q = rms_norm(q, _np(sd[f"{p}.self_attn.q_norm.weight"]), f"{p}.self_attn.q_norm")
            k = rms_norm(k, _np(sd[f"{p}.self_attn.k_norm.weight"]), f"{p}.self_attn.k_norm")
        q = g.op("Transpose", [q], f"{p}/qT", perm=[0, 2, 1, 3])
        k = g.op("Transpose", [k], f"{p}/kT", perm=[0, 2, 1, 3])
        v = g.op("Transpose", [v], f"{p}/vT", perm=[0, 2, 1, 3])
        q, k = rope(q, f"{p}/qRope"), rope(k, f"{p}/kRope")
        k_all = g.op("Concat", [f"past_key_values.{i}.key", k], f"{p}/kConcat", outputs=[f"present.{i}.key"], axis=2)
        v_all = g.op("Concat", [f"past_key_values.{i}.value", v], f"{p}/vConcat", outputs=[f"present.{i}.value"], axis=2)
        # Grouped-query attention without repeating K/V: the query heads of a KV head are stacked along the
        # sequence axis, so each KV head is read once.
        qg = g.op("Reshape", [q, group_q], f"{p}/qGroup")
        scores = g.op("MatMul", [qg, g.op("Transpose", [k_all], f"{p}/kTT", perm=[0, 1, 3, 2])], f"{p}/scores")
        scores = g.op("Reshape", [scores, ungroup_scores], f"{p}/scoresHeads")
        scores = cast(scores, f32) if dt != f32 else scores
        scores = g.op("Add", [g.op("Mul", [scores, g.const(scale, np.float32)], f"{p}/scale"), bias], f"{p}/mask")
        probs = g.op("Softmax", [scores], f"{p}/Softmax", axis=-1)
        probs = cast(probs, dt) if dt != f32 else probs
        probs = g.op("Reshape", [probs, group_scores], f"{p}/probsGroup")
        attn = g.op("MatMul", [probs, v_all], f"{p}/attnV")
        attn = g.op("Reshape", [attn, ungroup_out], f"{p}/attnHeads")
        attn = g.op("Reshape", [g.op("Transpose", [attn], f"{p}/attnT", perm=[0, 2, 1, 3]), merge_heads], f"{p}/attnMerge")
        x = g.op("Add", [x, linear(attn, f"{p}.self_attn.o_proj")], f"{p}/residual1")
        h = rms_norm(x, _np(sd[f"{p}.post_attention_layernorm.weight"]), f"{p}.post_attention_layernorm")
        if family == "phi3":
            gate, up = g.op("Split", [linear(h, f"{p}.mlp.gate_up_proj"), g.const([config.intermediate_size] * 2, np.int64)], f"{p}/gateUpSplit", n_out=2, axis=-1)
        else:
            gate, up = linear(h, f"{p}.mlp.gate_proj"), linear(h, f"{p}.mlp.up_proj")
        act = g.op("Mul", [gate, g.op("Sigmoid", [gate], f"{p}/Sigmoid")], f"{p}/silu")
        x = g.op("Add", [x, linear(g.op("Mul", [act, up], f"{p}/gateMul"), f"{p}.mlp.down_proj")], f"{p}/residual2")

    x = rms_norm(x, _np(sd["model.norm.weight"]), "model.norm")
    head = sd["lm_head.weight"] if "lm_head.weight" in sd else sd["model.embed_tokens.weight"]
    g.op("MatMul", [x, g.weight("lm_head.weight", _np(head).T)], "lm_head", outputs=["logits"])

    graph = helper.make_graph(g.nodes, f"{family}-decoder", inputs, outputs, g.inits)
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid("com.microsoft", 1)] if attention == "gqa" else [])
    model_proto = helper.make_model(graph, opset_imports=opsets, producer_name="distillery-models-export")
    model_proto.ir_version = 8
    return model_proto


def save(model_proto: onnx.ModelProto, path: Path, external_data: bool = False) -> None:
    """Write the graph; large ones keep their weights in `<file>.data` beside it (as large exports do)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if external_data:
        onnx.save_model(model_proto, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + ".data", size_threshold=1024)
    else:
        onnx.save_model(model_proto, str(path))
