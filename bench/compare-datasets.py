#!/usr/bin/env python3
"""Compares two harvested data sets row by row (numpy only): same labels, and the largest
absolute difference of the values. Rows are matched by their labels (token_id, doc_id and
position), so a different row order would not matter; harvest writes corpus order anyway.

    python3 bench/compare-datasets.py DIR_A DIR_B
"""
import json
import sys

import numpy as np


def load(d):
    m = json.load(open(f"{d}/dataset.json"))
    x = np.concatenate([np.load(f"{d}/{s['file']}") for s in m["shards"]]).astype(np.float32)
    y = np.concatenate([np.load(f"{d}/{s['labels']}") for s in m["shards"]])
    return m, x, y


def main():
    (ma, xa, ya), (mb, xb, yb) = load(sys.argv[1]), load(sys.argv[2])
    assert ma["label_kinds"] == mb["label_kinds"], "label kinds differ"
    kinds = [k["name"] for k in ma["label_kinds"]]
    print(f"A: {xa.shape[0]} rows in {len(ma['shards'])} shards; B: {xb.shape[0]} rows in {len(mb['shards'])} shards")
    assert xa.shape == xb.shape, "row counts differ"
    # Within a document, rows are in window order; (doc_id, row index within the doc) identifies a row.
    def order(y):
        doc = y[:, kinds.index("doc_id")]
        return np.lexsort((np.arange(len(doc)), doc))
    oa, ob = order(ya), order(yb)
    same_labels = np.array_equal(ya[oa], yb[ob])
    diff = np.abs(xa[oa] - xb[ob]).max()
    print(f"labels equal: {same_labels}; same order: {np.array_equal(oa, ob)}; max |A - B| = {diff:.3g}")
    for k in ma["label_kinds"]:
        if k.get("classes"):
            col = ya[:, kinds.index(k["name"])]
            counts = np.bincount(col, minlength=len(k["classes"]))
            top = sorted(zip(counts, k["classes"]), reverse=True)[:6]
            print(f"  {k['name']}: {len(k['classes'])} classes, {np.count_nonzero(counts)} present; "
                  + ", ".join(f"{c} {n}" for n, c in top))
    sys.exit(0 if same_labels and diff <= 1e-5 else 1)


if __name__ == "__main__":
    main()
