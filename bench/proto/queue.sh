#!/usr/bin/env bash
# bench/proto/queue.sh — run the lines of a job file one after another (each a command), waiting
# while /tmp/QUIET exists (someone is timing a benchmark) before starting each; logs to JOBFILE.log.
#   bench/proto/queue.sh JOBFILE
set -u
jobs=$1
while IFS= read -r cmd; do
  [ -z "$cmd" ] && continue
  while [ -e /tmp/QUIET ]; do sleep 30; done
  echo "+ $(date -u +%T) $cmd" >> "$jobs.log"
  nice bash -c "$cmd" >> "$jobs.log" 2>&1
done < "$jobs"
echo "= $(date -u +%T) done" >> "$jobs.log"
