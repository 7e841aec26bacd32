#!/usr/bin/env bash
# eval again (edges from forest.parent) into vs-mat-e: RUNS=dir
cd /tmp/f28; H=/work/main/.build/release/hsae
for R in $(ls -d $RUNS/*/*/s*); do
  D=$(echo $R | cut -d/ -f2); g=$(echo $R | cut -d/ -f3); S=$(echo $R | cut -d/ -f4)
  [ -f $R/vs-mat-e/report.json ] || $H eval --run $R/forest --baseline screen/$D/$g/$S/mat --probe-rows 0 --out $R/vs-mat-e > $R/eval-mat-e.log 2>&1 &
  while [ $(jobs -r | wc -l) -ge 2 ]; do sleep 1; done
done; wait
