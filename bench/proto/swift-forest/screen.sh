#!/usr/bin/env bash
# Screen: Swift Matryoshka (BatchTopK, top-k) + the prototype's label-free forest read-out, 8 cells x 3 seeds.
set -uo pipefail
cd /tmp/f28; H=/work/main/.build/release/hsae; P=/tmp/pv/bin/python
job() { # D regime S
  D=$1 g=$2 S=$3; G=${D%%-*} Cm=${D#*-}
  read -r dirs pars < <(python3 -c 'import json,sys; t=json.loads(json.load(open(sys.argv[1]))["provenance"]["true_l0"]); print(t["directions"], t["parents"])' data-$D/dataset.json)
  bl0=$(python3 -c "print(max(1, round($g*$dirs)))"); tl0=$(python3 -c "print(max(1, round($g*$pars)))"); total=$((bl0+tl0))
  R=screen/$D/$g/s$S; mkdir -p $R
  C="--data data-$D --m1 512 --m2 128 --lr 3e-3 --batch 1024 --log-every 500 --seed $S --steps 500,250,250"
  [ -f $R/mat/model.safetensors ] || $H train --out $R/mat $C --baseline matryoshka --baseline-l0 $total > $R/mat.log 2>&1
  [ -f $R/mattopk/model.safetensors ] || $H train --out $R/mattopk $C --baseline matryoshka --activation topk --baseline-l0 $total > $R/mattopk.log 2>&1
  $P /tmp/diag/tonpz.py $R/mat/model.safetensors $R/mat.npz
  [ -s $R/go.txt ] || $P /tmp/proto/group-offline.py data-$D $R/mat.npz --strong 0.15 --tau 1 --lift-pos 2 --only two-sided,oracle > $R/go.txt 2>&1
  [ -s $R/topk.txt ] || $P /tmp/diag/topk_rho.py data-$D $R/mattopk/model.safetensors > $R/topk.txt 2>&1
  echo "$D $g $S done $(date +%T)"
}
for D in A-exclusive A-independent B-exclusive B-independent; do
  G=${D%%-*} Cm=${D#*-}
  [ -f data-$D/dataset.json ] || $H synth --preset default --geometry $G --child-mode $Cm --rows 200000 --out data-$D --force >/dev/null 2>&1
done
for D in A-exclusive A-independent B-exclusive B-independent; do for g in 0.6 2; do
  job $D $g 0 & job $D $g 1 & wait; job $D $g 2
done; done
