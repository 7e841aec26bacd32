#!/usr/bin/env bash
# bench/proto/groups-final.sh — issue 28, session 3: every rule of bench/proto/group-offline.py with the settings
# frozen on seed 0 (--strong 0.15 --tau 1, tau-pos = ln(#pairs), eps 0.02, veto 10, cap 10; two-sided with --lift-pos 2 and 5) on every saved code:
# Matryoshka BatchTopK seeds 0-2 on the 200 k-row B cells and on the 1 M-row B cells, the mfh without pooling seeds
# 0-2 on the 200 k-row B cells, seed 0 of the A cells, and (--stream 1) the
# Matryoshka seeds 0-2 whose co-firing was counted during training (train.py --stream-count 1). One output file per code in OUT (JSON lines).
#   bench/proto/groups-final.sh [OUT=bench/proto/results-issue28/groups]
set -u
out=${1:-bench/proto/results-issue28/groups}; mkdir -p "$out"
PY=/work/proto-venv/bin/python; D=/work/p28/data; D1=/work/p28/data-1M
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
run() {  # data saved name [extra flags]
  for w in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do [ -f "$2" ] && break; sleep 30; done  # a training may still be writing it
  [ -f "$2" ] || { echo "missing $2"; return; }
  nice -n 19 $PY bench/proto/group-offline.py "$1" "$2" --strong 0.15 --tau 1 --lift-pos 2,5 "${@:4}" > "$out/$3.txt" 2>&1
}
for cell in B-exclusive B-independent; do
  run $D/$cell /work/p28/saved/matbtk-$cell.npz matbtk-s0-$cell
  for s in 1 2; do run $D/$cell /work/p28/s3/matbtk-s$s-$cell.npz matbtk-s$s-$cell; done
done
for cell in A-exclusive A-independent; do run $D/$cell /work/p28/saved/matbtk-$cell.npz matbtk-s0-$cell; done
for cell in B-exclusive B-independent; do
  for s in 0 1 2; do run $D1/$cell /work/p28/s3/matbtk1M-s$s-$cell.npz matbtk1M-s$s-$cell; done
done
for cell in B-exclusive B-independent; do
  run $D/$cell /work/p28/saved/nopool-$cell.npz nopool-s0-$cell
  for s in 1 2; do run $D/$cell /work/p28/s3/nopool-s$s-$cell.npz nopool-s$s-$cell; done
  for s in 0 1 2; do run $D/$cell /work/p28/s3/matbtkS-s$s-$cell.npz matbtkS-s$s-$cell --stream 1; done
done
