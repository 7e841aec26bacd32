#!/usr/bin/env bash
# bench/proto/make-data.sh — the four data sets of RESULTS' "Hierarchy against Matryoshka" table
# (bench/hierarchy: --preset default, synth seed 1, --rows 200000), into OUT/{A,B}-{exclusive,independent}.
#   bench/proto/make-data.sh [OUT=/work/p28/data]
set -euo pipefail
out=${1:-/work/p28/data}
hsae=${HSAE:-/work/main/.build/release/hsae}
for D in A-exclusive A-independent B-exclusive B-independent; do
  G=${D%%-*} C=${D#*-}
  [ -f "$out/$D/dataset.json" ] || nice -n 19 "$hsae" synth --preset default --geometry "$G" --child-mode "$C" --rows 200000 --out "$out/$D" --force
done
