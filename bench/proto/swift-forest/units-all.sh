#!/usr/bin/env bash
cd /tmp/f28; P=/tmp/pv/bin/python
for D in A-exclusive A-independent B-exclusive B-independent; do for g in 0.6 2; do for S in 0 1 2; do
  R=screen/$D/$g/s$S
  while [ ! -s $R/topk.txt ]; do sleep 5; done
  [ -s $R/groups.json ] || SAVE_GROUPS=$R/groups.json nice $P /tmp/proto/go2.py data-$D $R/mat.npz --strong 0.15 --tau 1 --lift-pos 2 --only two-sided > /dev/null 2>&1
  echo "$D $g $S $(cat $R/topk.txt) $(nice $P /tmp/diag/units.py data-$D $R/mat.npz $R/groups.json | tr '\n' ' ')"
done; done; done
