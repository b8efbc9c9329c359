"""Tokenizer and chat template of the bundled model, built with the `tokenizers` library.

A character vocabulary (BPE with no merges, so every character is one token, fused back on decode) plus the
chat markers as special tokens and the R1 tags as ordinary added tokens (kept when decoding).
"""
from __future__ import annotations

import string

from tokenizers import AddedToken, Tokenizer, decoders
from tokenizers.models import BPE

SPECIAL = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|unk|>"]
TAGS = ["<think>", "</think>", "<answer>", "</answer>"]
CHARS = list(string.ascii_letters + string.digits + " \n" + "+-*/=.,?!:;'\"()[]{}\\^_<>%$#&|@~")
PAD, EOS = 0, 1

# The assistant turn is pre-filled with "<think>\n" (R1 style): the model writes the reasoning after it.
# {% generation %} … {% endgeneration %} marks what the assistant writes (its content and end marker), so
# transformers' return_assistant_tokens_mask and TRL's assistant_only_loss=True train on those tokens only. The
# markers render no text: the prompt and every rendered conversation are the same as without them.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}{{ '<|assistant|>' }}{% generation %}{{ message['content'] + '<|end|>' }}{% endgeneration %}"
    "{% else %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|><think>\n' }}{% endif %}"
)


def build_tokenizer() -> Tokenizer:
    vocab = {tok: i for i, tok in enumerate(SPECIAL + TAGS + CHARS)}
    tok = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="<|unk|>"))
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TAGS])
    return tok


def render_prompt(user: str, system: str | None = None) -> str:
    """What CHAT_TEMPLATE renders for these messages with add_generation_prompt=True."""
    sys = f"<|system|>{system}<|end|>" if system else ""
    return f"{sys}<|user|>{user}<|end|><|assistant|><think>\n"


def tokenizer_config() -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": 512,
        "bos_token": None,
        "eos_token": "<|end|>",
        "pad_token": "<|pad|>",
        "unk_token": "<|unk|>",
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
    }
