#!/usr/bin/env python3
"""harvest-hf.py — harvest one module's output of any Hugging Face model into an HSAE data set.

    python scripts/harvest-hf.py --model MODEL --hook MODULE --corpus CORPUS --out DIR
                                 [--max-tokens N] [--window W] [--batch-tokens T] [--shard-rows R]
                                 [--dtype f32|f16] [--include-special] [--threads N]

MODEL is a local directory (or a hub id, if your machine can reach the hub) that
transformers' AutoModel/AutoTokenizer load. MODULE is a module name as model.named_modules()
lists it — `encoder.layer.2` (BERT: hidden_states[3], what `hsae harvest --layer 3` writes),
`transformer.h.6` (GPT-2), `model.layers.10` (Llama); run with --list-modules to see them. A
forward hook takes the module's output (its first element when it returns a tuple).
CORPUS is an `hsae corpus` directory (documents.jsonl: {"id", "text", "genre", ...} per line).

Documents are taken in corpus order and cut into windows of at most W tokens including the
tokenizer's special tokens ([CLS] ... [SEP] for BERT); rows are the content tokens (special
tokens too with --include-special), stopping at N content tokens. Output (DESIGN §6): shards
shard-NNNNN.npy (rows x d), labels shard-NNNNN.labels.npy (token_id, position_bucket, doc_id,
genre), vocab.txt, dataset.json whose provenance carries model_name, hook_name and hook_layer
(read by `hsae export` into SAELens's cfg.json). The windows, rows and labels follow `hsae
harvest`, so on a BERT model the two write the same rows (tested on MiniLM to 1e-4:
Tests/MultiRankTests/DataInTests.swift). Needs torch, transformers, numpy.
"""
import argparse
import json
import os
import re
import shutil
import sys

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

BUCKETS = ["0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64-127", "128-255", "256-511"]


def bucket(position):
    return min(position.bit_length(), len(BUCKETS) - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--hook", help="module name (see --list-modules)")
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    ap.add_argument("--max-tokens", type=int)
    ap.add_argument("--window", type=int, default=512)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--shard-rows", type=int, default=65536)
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32")
    ap.add_argument("--include-special", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--list-modules", action="store_true")
    ap.add_argument("--force", action="store_true", help="replace a non-empty --out")
    a = ap.parse_args()

    def fail(msg):
        print(f"error: {msg}", file=sys.stderr)
        sys.exit(1)

    if a.threads:
        torch.set_num_threads(a.threads)
    tok = AutoTokenizer.from_pretrained(a.model)
    model = AutoModel.from_pretrained(a.model, attn_implementation="eager").eval()
    modules = dict(model.named_modules())
    if a.list_modules:
        print("\n".join(n for n in modules if n))
        return
    for opt in ("hook", "corpus", "out"):
        if getattr(a, opt) is None:
            fail(f"--{opt} is required (or --list-modules)")
    if a.hook not in modules:
        near = [n for n in modules if n and a.hook.split(".")[0] in n][:8]
        fail(f"--hook: {a.model} has no module '{a.hook}' (e.g. {', '.join(near) or 'see --list-modules'})")
    docs_path = os.path.join(a.corpus, "documents.jsonl")
    if not os.path.exists(docs_path):
        fail(f"{docs_path}: no such file; --corpus expects an `hsae corpus` directory")
    if os.path.isdir(a.out) and os.listdir(a.out) and not a.force:
        fail(f"--out: '{a.out}' is not empty; choose a new directory or pass --force to replace it")
    if os.path.exists(a.out) and not os.path.isdir(a.out):
        fail(f"--out: '{a.out}' is a file, expected a directory to create")
    # The special tokens the tokenizer puts around a text ([CLS] ... [SEP] for BERT, BOS for Llama,
    # none for GPT-2), found from one probe word so that any tokenizer works.
    probe = tok("hello", add_special_tokens=False)["input_ids"]
    wrapped = tok("hello", add_special_tokens=True)["input_ids"]
    at = next((i for i in range(len(wrapped) - len(probe) + 1) if wrapped[i:i + len(probe)] == probe), None)
    if at is None:
        fail(f"cannot find where {a.model}'s tokenizer puts the text between its special tokens")
    prefix, suffix = wrapped[:at], wrapped[at + len(probe):]
    n_special = len(prefix) + len(suffix)
    if a.window <= n_special:
        fail(f"--window {a.window} leaves no room for content beside {n_special} special tokens")

    # Windows in corpus order: (ids, special mask, doc index, tokens kept); the last may be cut by --max-tokens.
    docs, windows, kept = [], [], 0
    with open(docs_path, encoding="utf-8") as f:
        for line_index, line in enumerate(f):
            if a.max_tokens is not None and kept >= a.max_tokens:
                break
            doc = json.loads(line)
            ids = tok(doc["text"], add_special_tokens=False)["input_ids"]
            if not ids:
                continue
            doc["_line"] = line_index
            docs.append(doc)
            step = a.window - n_special
            for s in range(0, len(ids), step):
                piece = ids[s:s + step]
                full = prefix + piece + suffix
                special = [1] * len(prefix) + [0] * len(piece) + [1] * len(suffix)
                take = len(piece) if a.max_tokens is None else min(len(piece), a.max_tokens - kept)
                windows.append((full, special, len(docs) - 1, take))
                kept += take
                if a.max_tokens is not None and kept >= a.max_tokens:
                    break
    if not windows:
        fail(f"{docs_path}: no tokens to harvest")

    captured = {}

    def hook(_module, _inputs, output):
        captured["h"] = output[0] if isinstance(output, (tuple, list)) else output

    modules[a.hook].register_forward_hook(hook)
    genres = sorted({d.get("genre", "") for d in docs})
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    rows, labels = [], []
    with torch.inference_mode():
        i = 0
        while i < len(windows):
            j, longest = i, 0
            while j < len(windows) and (j == i or max(longest, len(windows[j][0])) * (j - i + 1) <= a.batch_tokens):
                longest = max(longest, len(windows[j][0]))
                j += 1
            batch = windows[i:j]
            ids = torch.full((len(batch), longest), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for b, (w, _, _, _) in enumerate(batch):
                ids[b, :len(w)] = torch.tensor(w)
                mask[b, :len(w)] = 1
            model(input_ids=ids, attention_mask=mask)
            h = captured["h"].float().numpy()
            for b, (w, special, doc, take) in enumerate(batch):
                content = 0
                for p, is_special in enumerate(special):
                    if not is_special:
                        if content >= take:
                            continue
                        content += 1
                    elif not a.include_special:
                        continue
                    rows.append(h[b, p])
                    labels.append((w[p], bucket(p), docs[doc]["_line"], genres.index(docs[doc].get("genre", ""))))
            i = j
    x = np.stack(rows).astype(np.float32 if a.dtype == "f32" else np.float16)
    y = np.asarray(labels, dtype=np.int32)

    tmp = a.out.rstrip("/") + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    shards = []
    for k, s in enumerate(range(0, len(x), a.shard_rows)):
        name = f"shard-{k:05d}"
        np.save(os.path.join(tmp, name + ".npy"), x[s:s + a.shard_rows])
        np.save(os.path.join(tmp, name + ".labels.npy"), y[s:s + a.shard_rows])
        shards.append({"file": name + ".npy", "rows": int(min(a.shard_rows, len(x) - s)), "labels": name + ".labels.npy"})
    vocab = tok.convert_ids_to_tokens(list(range(len(tok))))
    with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(v if v is not None else "" for v in vocab) + "\n")
    numbers = re.findall(r"\d+", a.hook)
    model_name = a.model.rstrip("/")
    if os.path.isdir(model_name):
        model_name = os.path.basename(os.path.abspath(model_name))
    manifest = {
        "format": "hsae-dataset", "version": 1, "d": int(x.shape[1]), "dtype": "<f4" if a.dtype == "f32" else "<f2",
        "shards": shards,
        "label_kinds": [{"name": "token_id", "level": "lexical"},
                        {"name": "position_bucket", "classes": BUCKETS, "level": "positional"},
                        {"name": "doc_id"},  # line index in the corpus's documents.jsonl
                        {"name": "genre", "classes": genres, "level": "contextual"}],
        "provenance": {
            "generator": "scripts/harvest-hf.py", "model": a.model, "model_name": model_name, "hook_name": a.hook,
            "hook_layer": numbers[-1] if numbers else "0", "context_size": str(a.window),
            "corpus": a.corpus, "max_tokens": str(a.max_tokens) if a.max_tokens is not None else "all",
            "window": str(a.window), "include_special": str(a.include_special).lower(), "documents": str(len(docs)),
            "torch": torch.__version__, "transformers": __import__("transformers").__version__,
            "vocabulary": "vocab.txt (token_id = line number, from 0)",
        },
    }
    with open(os.path.join(tmp, "dataset.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.rename(tmp, a.out)
    print(f"harvest-hf: {len(x)} rows x {x.shape[1]} from {len(windows)} windows of {len(docs)} documents, "
          f"module {a.hook} of {a.model} -> {a.out}")


if __name__ == "__main__":
    main()
