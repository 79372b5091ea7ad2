#!/bin/sh
# bench/ab.sh: a benchmark at two git revisions, alternately, in one run, so that "before"
# and "after" are measured in neighbouring windows of the same (possibly noisy) machine.
#
#   bench/ab.sh <before-rev> [after-rev]        after-rev defaults to the work tree
#   AB_ROUNDS=2 AB_CHECK_CASES=a,b BENCH_SECONDS=30 bench/ab.sh 6083f17
#   AB_STEP_RUNS=8 AB_CHECK_CASES= bench/ab.sh 6083f17     the step bench only, 8 pairs
#
# It checks out <before-rev> as a detached worktree under .raftkit-tmp/ab (node_modules
# linked from this tree), then per round runs `npm run bench` (model steps/s) and
# `bench/check.bench.ts --case X` (distinct states/s, one worker) in both trees, before
# first. Prints one line per measurement and the after/before ratio of the best rounds.
#
# The step bench is run AB_STEP_RUNS times per side and round (default 3), before and after
# alternately, each in a fresh process: one process's compiled-step rate depends on the JIT's
# choices in that process (single runs ranged 0.9-2.4M steps/s on one tree), so the step
# line reports the median of each side and the median of the pair ratios (each pair measured
# back to back), not the best of a few.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
before=${1:?usage: bench/ab.sh <before-rev> [after-rev]}
after=${2:-}
rounds=${AB_ROUNDS:-2}
cases=${AB_CHECK_CASES-a,b}
step_runs=${AB_STEP_RUNS:-3}
export BENCH_SECONDS=${BENCH_SECONDS:-30}
tmp="$here/.raftkit-tmp/ab"
mkdir -p "$tmp"

tree_of() { # rev -> a worktree path at that revision
  dir="$tmp/$1"
  if [ ! -d "$dir" ]; then
    git -C "$here" worktree add --detach "$dir" "$1" >/dev/null 2>&1
    ln -s "$here/node_modules" "$dir/node_modules"
  fi
  echo "$dir"
}
b=$(tree_of "$before")
if [ -n "$after" ]; then a=$(tree_of "$after"); else a=$here; fi

step_rate() { # tree -> the compiled step's steps/s
  (cd "$1" && npx tsx bench/step.bench.ts 2>/dev/null) | awk '/compiled `?step`?[^+]*$/ || /^ *compiled step / {for(i=1;i<=NF;i++) if ($i ~ /^[0-9,]+$/ && length($i)>4) {gsub(",","",$i); print $i; exit}}'
}
check_rate() { # tree case workers-flag -> distinct states/s
  (cd "$1" && npx tsx bench/check.bench.ts --case "$2" $3 2>/dev/null) | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s.slice(s.indexOf("{")));console.log(Math.round(j.distinct/j.seconds))})'
}
best() { sort -n | tail -1; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
: >"$tmp/results"
: >"$tmp/step-ratios"
for r in $(seq 1 "$rounds"); do
  for k in $(seq 1 "$step_runs"); do
    sb=$(step_rate "$b"); sa=$(step_rate "$a")
    echo "round $r before step $sb" | tee -a "$tmp/results"
    echo "round $r after step $sa" | tee -a "$tmp/results"
    awk -v a="$sa" -v b="$sb" 'BEGIN {if (b > 0) printf "%.4f\n", a/b}' >>"$tmp/step-ratios"
  done
  for side in before after; do
    if [ $side = before ]; then t=$b; w=""; else t=$a; w="--workers 1"; fi
    # the old bench has no --workers flag; the new one runs in-process with 1 worker
    [ -f "$t/src/explore/parallel/coordinator.ts" ] || w=""
    for c in $(echo "$cases" | tr , ' '); do
      d=$(check_rate "$t" "$c" "$w"); echo "round $r $side check-$c $d" | tee -a "$tmp/results"
    done
  done
done
sbm=$(awk '$3=="before" && $4=="step" {print $5}' "$tmp/results" | median)
sam=$(awk '$3=="after" && $4=="step" {print $5}' "$tmp/results" | median)
rm=$(median <"$tmp/step-ratios")
n=$(wc -l <"$tmp/step-ratios")
awk -v b="$sbm" -v a="$sam" -v r="$rm" -v n="$n" 'BEGIN {printf "%-10s median before %12d  after %12d  after/before %.3f; median of %d pair ratios %.3f\n", "step", b, a, a/b, n, r}'
for m in step $(echo "$cases" | tr , ' ' | sed 's/[^ ]*/check-&/g'); do
  bv=$(awk -v m="$m" '$3=="before" && $4==m {print $5}' "$tmp/results" | best)
  av=$(awk -v m="$m" '$3=="after" && $4==m {print $5}' "$tmp/results" | best)
  awk -v m="$m" -v b="$bv" -v a="$av" 'BEGIN {printf "%-10s before %12d  after %12d  after/before %.3f\n", m, b, a, a/b}'
done
