#!/usr/bin/env python3
"""The reference implementation on the harvest's workload: the same corpus prefix, cut into the
same windows ([CLS] + up to WINDOW-2 tokens + [SEP], documents in corpus order, stopping at
MAX_TOKENS content tokens), run through transformers' BertModel on CPU in float32, padded
batches of about BATCH_TOKENS tokens (windows sorted by length to keep padding small), hidden
states of LAYER taken and copied out. Prints tokens/s (content tokens, as hsae harvest counts).

    REF_PYTHON bench/reference_harvest.py MODEL CORPUS LAYER MAX_TOKENS [WINDOW] [BATCH_TOKENS] [THREADS]
"""
import json
import sys
import time

import torch
from transformers import BertModel
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy


def main():
    model_dir, corpus_dir, layer, max_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 512
    batch_tokens = int(sys.argv[6]) if len(sys.argv) > 6 else 4096
    threads = int(sys.argv[7]) if len(sys.argv) > 7 else 2
    torch.set_num_threads(threads)
    tok = BertTokenizerLegacy.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    t0 = time.time()
    windows, kept = [], 0
    with open(corpus_dir + "/documents.jsonl", encoding="utf-8") as f:
        for line in f:
            ids = tok(json.loads(line)["text"], add_special_tokens=False)["input_ids"]
            for s in range(0, len(ids), window - 2):
                piece = ids[s:s + window - 2]
                windows.append([tok.cls_token_id] + piece + [tok.sep_token_id])
                kept += min(len(piece), max_tokens - kept)
                if kept >= max_tokens:
                    break
            if kept >= max_tokens:
                break
    tokenize_s = time.time() - t0

    windows.sort(key=len)
    t0 = time.time()
    rows = 0
    with torch.inference_mode():
        i = 0
        while i < len(windows):
            j, longest = i, 0
            while j < len(windows) and (j == i or max(longest, len(windows[j])) * (j - i + 1) <= batch_tokens):
                longest = max(longest, len(windows[j]))
                j += 1
            batch = windows[i:j]
            ids = torch.zeros((len(batch), longest), dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for b, w in enumerate(batch):
                ids[b, :len(w)] = torch.tensor(w)
                mask[b, :len(w)] = 1
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
            h = out.hidden_states[layer]
            for b, w in enumerate(batch):
                rows += h[b, 1:len(w) - 1].numpy().copy().shape[0]
            i = j
    forward_s = time.time() - t0
    print(f"reference: transformers BertModel (torch {torch.__version__}, {threads} threads): {min(rows, kept)} tokens "
          f"from {len(windows)} windows, layer {layer}: tokenize {tokenize_s:.1f} s, forward {forward_s:.1f} s, "
          f"{kept / forward_s:.0f} tokens/s")


if __name__ == "__main__":
    main()
