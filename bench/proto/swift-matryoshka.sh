#!/usr/bin/env bash
# bench/proto/swift-matryoshka.sh — the metric check: train the Swift Matryoshka baseline on one cell
# exactly as bench/hierarchy does (1 M tokens, 1 rank) plus a throw-away tiny HSAE (hsae eval needs
# one as --run), evaluate with hsae eval, then compare bench/proto/validate.py's Python metric.
#   bench/proto/swift-matryoshka.sh DATA OUT [SEED=0] [BUDGET=0.6]
set -euo pipefail
data=$1 out=$2 seed=${3:-0} f=${4:-0.6}
hsae=${HSAE:-/work/main/.build/release/hsae}
read -r directions parents < <(python3 -c 'import json,sys; t=json.loads(json.load(open(sys.argv[1]))["provenance"]["true_l0"]); print(t["directions"], t["parents"])' "$data/dataset.json")
times() { python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$2"; }
bl0=$(times "$f" "$directions") tl0=$(times "$f" "$parents"); total=$((bl0 + tl0))
common=(--data "$data" --m1 512 --m2 128 --lr 3e-3 --batch 1024 --log-every 500 --seed "$seed")
[ -f "$out/matryoshka/model.safetensors" ] || nice -n 19 "$hsae" train --out "$out/matryoshka" "${common[@]}" --steps 500,250,250 --baseline matryoshka --baseline-l0 "$total"
[ -f "$out/hsae-stub/model.safetensors" ] || nice -n 19 "$hsae" train --out "$out/hsae-stub" "${common[@]}" --steps 20,10,10 --activation topk --bottom-l0 "$bl0" --top-l0 "$tl0"
[ -f "$out/report/report.json" ] || nice -n 19 "$hsae" eval --run "$out/hsae-stub" --baseline "$out/matryoshka" --probe-rows 0 --out "$out/report"
