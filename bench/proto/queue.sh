#!/usr/bin/env bash
# bench/proto/queue.sh — run the lines of a job file one after another (each a command), at nice 19,
# one thread per process (OMP/MKL/OpenBLAS = 1), logging to JOBFILE.log. Lines starting with # are
# skipped. (An earlier version waited while /tmp/QUIET existed; removed: a file someone forgets
# blocked a whole session.)
#   bench/proto/queue.sh JOBFILE
set -u
jobs=$1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 VECLIB_MAXIMUM_THREADS=1
while IFS= read -r cmd; do
  [ -z "$cmd" ] && continue
  case "$cmd" in \#*) continue ;; esac
  echo "+ $(date -u +%T) $cmd" >> "$jobs.log"
  nice -n 19 bash -c "$cmd" >> "$jobs.log" 2>&1
  echo "  $(date -u +%T) exit $?" >> "$jobs.log"
done < "$jobs"
echo "= $(date -u +%T) done" >> "$jobs.log"
