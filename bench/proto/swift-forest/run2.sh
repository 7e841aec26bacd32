#!/usr/bin/env bash
# forest (1000,250,0) on the screen's cells into ${OUT:-runs2}; eval against the screen's BatchTopK and top-k Matryoshka of the same seed.
cd /tmp/f28; H=/work/main/.build/release/hsae
job() { D=$1 g=$2 S=$3
  read -r dirs pars < <(python3 -c 'import json,sys; t=json.loads(json.load(open(sys.argv[1]))["provenance"]["true_l0"]); print(t["directions"], t["parents"])' data-$D/dataset.json)
  bl0=$(python3 -c "print(max(1, round($g*$dirs)))"); tl0=$(python3 -c "print(max(1, round($g*$pars)))")
  R=${OUT:-runs2}/$D/$g/s$S; mkdir -p $R; B=screen/$D/$g/s$S
  [ -f $R/forest/model.safetensors ] || $H train --out $R/forest --data data-$D --m1 512 --m2 128 --lr 3e-3 --batch 1024 --log-every 500 --seed $S --model forest --activation batchtopk --bottom-l0 $bl0 --top-l0 $tl0 --steps ${STEPS:-1000,250,0} > $R/forest.log 2>&1
  [ -f $R/vs-mat/report.json ] || $H eval --run $R/forest --baseline $B/mat --probe-rows 0 --out $R/vs-mat > $R/eval-mat.log 2>&1
  [ -f $R/vs-topk/report.json ] || $H eval --run $R/forest --baseline $B/mattopk --probe-rows 0 --out $R/vs-topk > $R/eval-topk.log 2>&1
  echo "$D $g $S done $(date +%T)"
}
for D in ${CELLS:-A-exclusive A-independent B-exclusive B-independent}; do for g in ${REGIMES:-0.6}; do
  job $D $g 0 & job $D $g 1 & wait; job $D $g 2
done; done
