#!/usr/bin/env bash
# bench/minilm-level-index.sh — the MiniLM level-index suite (issue 11, must-show 4) from one command:
# HSAE, flat and Matryoshka SAEs × seeds on a MiniLM harvest, then for each seed the HSAE evaluated
# beside flat and beside Matryoshka (probes on label pairs), then the tables.
#
#   bench/minilm-level-index.sh OUT
#
# Environment (defaults in brackets):
#   DATA        the harvest                       [/work/main/data/minilm-1m]
#   STEPS       --steps of every run: the HSAE's three phases; flat and Matryoshka train
#               their sum in one phase, as many tokens   [3200,1600,1600]
#   SEEDS       seeds                             [0 1 2]
#   JOBS        runs at a time (one rank each)    [2]
#   HSAE        the binary                        [.build/release/hsae]
#   NICE        niceness                          [10]
#
# Nine trainings (HSAE m1 512 / m2 128, top-k bottom L0 24 / top L0 8, top-path weight 0.1;
# flat and Matryoshka 640 latents at L0 32; lr 1e-3, batch 1024, log every 20 steps), six
# evaluations (2048 probe rows, 100 L-BFGS iterations, token_id on its 50 most frequent values).
# Resumable: a finished run (model.safetensors) or report (report.json) is skipped; a run with
# checkpoints is resumed. Tasks are queued in an order in which, with JOBS = 2, an evaluation
# starts only after its two models are done (it also waits for them, whatever JOBS is).
# Logs: OUT/logs/TASK.log. Tables: OUT/level-index.md, OUT/fvu-curve.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/work/main/data/minilm-1m}
STEPS=${STEPS:-3200,1600,1600}
SEEDS=${SEEDS:-0 1 2}
JOBS=${JOBS:-2}
HSAE=${HSAE:-.build/release/hsae}
NICE=${NICE:-10}

if [[ "${1:-}" == "--task" ]]; then
    out=$2 task=$3
    mkdir -p "$out/logs"
    log="$out/logs/$task.log"
    common=(--data "$DATA" --m1 512 --m2 128 --lr 1e-3 --batch 1024 --log-every 20)
    train() {   # DIR ARGS...
        local dir=$1; shift
        if [[ -f "$dir/model.safetensors" ]]; then echo "= $task done"; return; fi
        echo "+ $task $(date -u +%FT%TZ)" | tee -a "$log"
        rm -f "$out/logs/$task.failed"
        # A run that ends early (e.g. its watchdog fired after the process was paused for more
        # than 600 s) is resumed from its newest checkpoint, at most twice; resume is
        # bit-identical in exact mode (docs/DECISIONS.md).
        local tries=0
        until if [[ -d "$dir/checkpoints" ]]; then
                  nice -n "$NICE" scripts/mpirun -np 1 "$HSAE" train --resume "$dir" >>"$log" 2>&1
              else
                  nice -n "$NICE" scripts/mpirun -np 1 "$HSAE" train --out "$dir" "$@" >>"$log" 2>&1
              fi; do
            tries=$((tries + 1))
            if (( tries > 2 )) || [[ ! -d "$dir/checkpoints" ]]; then
                echo "! $task failed $(date -u +%FT%TZ); see $log" | tee -a "$log"
                touch "$out/logs/$task.failed"; exit 1
            fi
            echo "~ $task ended early; resuming from its newest checkpoint $(date -u +%FT%TZ)" | tee -a "$log"
        done
        echo "- $task $(date -u +%FT%TZ)" | tee -a "$log"
    }
    case "$task" in
        hsae-seed*)
            S=${task#hsae-seed}
            train "$out/$task" "${common[@]}" --steps "$STEPS" --seed "$S" \
                --activation topk --bottom-l0 24 --top-l0 8 --beta-top 0.1 ;;
        flat-seed*)
            S=${task#flat-seed}
            train "$out/$task" "${common[@]}" --steps "$STEPS" --seed "$S" \
                --baseline --activation topk --baseline-l0 32 ;;
        matryoshka-seed*)
            S=${task#matryoshka-seed}
            train "$out/$task" "${common[@]}" --steps "$STEPS" --seed "$S" \
                --baseline matryoshka --baseline-l0 32 ;;
        eval-seed*-vs-*)
            rest=${task#eval-seed}; S=${rest%%-vs-*}; B=${rest#*-vs-}
            rep="$out/reports/hsae-seed$S-vs-$B"
            if [[ -f "$rep/report.json" ]]; then echo "= $task done"; exit 0; fi
            while [[ ! -f "$out/hsae-seed$S/model.safetensors" || ! -f "$out/$B-seed$S/model.safetensors" ]]; do
                for t in "hsae-seed$S" "$B-seed$S"; do
                    if [[ -f "$out/logs/$t.failed" ]]; then echo "! $task: training $t failed" | tee -a "$log"; exit 1; fi
                done
                sleep 20
            done
            mkdir -p "$out/reports"
            echo "+ $task $(date -u +%FT%TZ)" | tee -a "$log"
            nice -n "$NICE" scripts/mpirun -np 1 "$HSAE" eval --run "$out/hsae-seed$S" --baseline "$out/$B-seed$S" \
                --probe-rows 2048 --probe-iterations 100 --probe-frequent 50 --out "$rep" --force >>"$log" 2>&1
            echo "- $task $(date -u +%FT%TZ)" | tee -a "$log" ;;
        *) echo "error: unknown task '$task'" >&2; exit 2 ;;
    esac
    exit 0
fi

out=${1:?usage: bench/minilm-level-index.sh OUT}
if [[ ! -f "$DATA/dataset.json" ]]; then
    echo "error: data set '$DATA' has no dataset.json (set DATA to a MiniLM harvest)" >&2; exit 2
fi
if [[ ! -x "$HSAE" ]]; then
    echo "error: '$HSAE' not found; build it first: swift build -c release --product hsae" >&2; exit 2
fi
mkdir -p "$out"
echo "$0 $out: DATA=$DATA STEPS=$STEPS SEEDS='$SEEDS' JOBS=$JOBS ($("$HSAE" version | head -1)) $(date -u +%FT%TZ)" >>"$out/suite.log"

# Queue: each seed's three trainings, then the previous seed's two evaluations (so that with two
# lanes an evaluation never waits), the last seed's evaluations at the end.
tasks=() prev=""
for S in $SEEDS; do
    tasks+=("hsae-seed$S" "matryoshka-seed$S" "flat-seed$S")
    if [[ -n "$prev" ]]; then tasks+=("eval-seed$prev-vs-flat" "eval-seed$prev-vs-matryoshka"); fi
    prev=$S
done
tasks+=("eval-seed$prev-vs-flat" "eval-seed$prev-vs-matryoshka")

printf '%s\n' "${tasks[@]}" | xargs -P "$JOBS" -I{} "$0" --task "$out" {}

runs=()
for S in $SEEDS; do runs+=("$out/hsae-seed$S"); done
for S in $SEEDS; do runs+=("$out/flat-seed$S"); done
for S in $SEEDS; do runs+=("$out/matryoshka-seed$S"); done
python3 bench/fvu-curve.py "${runs[@]}" | tee "$out/fvu-curve.md"
python3 bench/level-index-table.py "$out" all 2 10 | tee "$out/level-index.md"
echo "done $(date -u +%FT%TZ)" >>"$out/suite.log"
