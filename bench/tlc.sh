#!/bin/sh
# bench/tlc.sh: TLC and `raftkit check` side by side on the same bound, in windows of the
# same length, one after the other: distinct states/s of each.
#
# The bound: three servers, elections only, unbounded messages in flight, no message loss,
# no duplication, no restarts, no symmetry. raftkit: `check --values 0 --max-log 0
# --max-term 2 --max-in-flight 0 --no-drop --no-duplicate --no-symmetry`; TLC: Diego
# Ongaro's raft.tla with Value = {}, a Next without Restart, DuplicateMessage and
# DropMessage, and the constraint currentTerm <= 3 (raft.tla's terms start at 1, raftkit's
# at 0: both allow two elections).
#
# Nothing is downloaded. Give the tools:
#   bench/tlc.sh [TLA2TOOLS_JAR [RAFT_TLA]]       or the environment variables of those names
#   BENCH_SECONDS   window per engine and round (default 60)
#   BENCH_ROUNDS    rounds, TLC then raftkit in each (default 1)
#   BENCH_WORKERS   workers of both engines (default 1)
#   JAVA            the java command (default: java on PATH)
#
# Exit: 0 both engines ran; 1 a run failed; 2 a prerequisite is missing (Java, tla2tools.jar
# or raft.tla), said on one line.
set -eu

jar=${1:-${TLA2TOOLS_JAR:-}}
spec=${2:-${RAFT_TLA:-}}
seconds=${BENCH_SECONDS:-60}
rounds=${BENCH_ROUNDS:-1}
workers=${BENCH_WORKERS:-1}
java=${JAVA:-java}
here=$(cd "$(dirname "$0")/.." && pwd)

missing() {
  echo "bench/tlc.sh: $1" >&2
  exit 2
}

command -v "$java" >/dev/null 2>&1 || missing "no Java: install a JDK (17 or later) or set JAVA"
[ -n "$jar" ] || missing "no tla2tools.jar given: pass its path as the first argument or set TLA2TOOLS_JAR (it is never downloaded; get it from https://github.com/tlaplus/tlaplus/releases)"
[ -f "$jar" ] || missing "tla2tools.jar not found at $jar"
[ -n "$spec" ] || missing "no raft.tla given: pass its path as the second argument or set RAFT_TLA (Diego Ongaro's spec, https://github.com/ongardie/raft.tla)"
[ -f "$spec" ] || missing "raft.tla not found at $spec"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$spec" "$work/raft.tla"
cat >"$work/MCraft.tla" <<'EOF'
---- MODULE MCraft ----
\* The bound of bench/tlc.sh: elections only (Value = {}), no Restart, DuplicateMessage or
\* DropMessage, terms up to 3 (two elections after the initial term 1).
EXTENDS raft
MaxTerm == 3
\* raft.tla's Next without three disjuncts; its history conjunct (allLogs) stays, since no
\* action of raft.tla assigns allLogs' itself.
MCNext == /\ \/ \E i \in Server : Timeout(i)
             \/ \E i, j \in Server : RequestVote(i, j)
             \/ \E i \in Server : BecomeLeader(i)
             \/ \E i \in Server, v \in Value : ClientRequest(i, v)
             \/ \E i \in Server : AdvanceCommitIndex(i)
             \/ \E i, j \in Server : AppendEntries(i, j)
             \/ \E m \in DOMAIN messages : Receive(m)
          /\ allLogs' = allLogs \cup {log[i] : i \in Server}
MCSpec == Init /\ [][MCNext]_vars
TermBound == \A i \in Server : currentTerm[i] <= MaxTerm
====
EOF
cat >"$work/MCraft.cfg" <<'EOF'
CONSTANTS
  Server = {s1, s2, s3}
  Value = {}
  Follower = Follower
  Candidate = Candidate
  Leader = Leader
  Nil = Nil
  RequestVoteRequest = RequestVoteRequest
  RequestVoteResponse = RequestVoteResponse
  AppendEntriesRequest = AppendEntriesRequest
  AppendEntriesResponse = AppendEntriesResponse
SPECIFICATION MCSpec
CONSTRAINT TermBound
EOF

# TLC stops itself after the window (tlc2.TLC.stopAfter) and prints its counts.
tlc_rate() {
  (cd "$work" && "$java" -XX:+UseParallelGC -Dtlc2.TLC.stopAfter="$seconds" -cp "$jar" tlc2.TLC \
    -workers "$workers" -deadlock -config MCraft.cfg MCraft.tla >tlc.out 2>&1) || true
  distinct=$(sed -n 's/.* \([0-9][0-9,]*\) distinct states found.*/\1/p' "$work/tlc.out" | tail -1 | tr -d ,)
  [ -n "$distinct" ] || { echo "bench/tlc.sh: TLC printed no count; its output:" >&2; cat "$work/tlc.out" >&2; exit 1; }
  echo "$distinct"
}

raftkit_rate() {
  node "$here/bin/raftkit.js" check --values 0 --max-log 0 --max-term 2 --max-in-flight 0 \
    --no-drop --no-duplicate --no-symmetry --max-seconds "$seconds" --workers "$workers" \
    --json --no-progress >"$work/raftkit.json" || true
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.distinct, r.seconds)' \
    "$work/raftkit.json" || { echo "bench/tlc.sh: raftkit check printed no result" >&2; exit 1; }
}

echo "bench/tlc.sh: 3 servers, elections only, no drop/duplicate/restart, no symmetry; $seconds s windows, $workers worker(s), $rounds round(s)"
"$java" -version 2>&1 | head -1
echo "round  engine    distinct    seconds  distinct/s"
round=1
while [ "$round" -le "$rounds" ]; do
  tlc=$(tlc_rate)
  printf '%5s  TLC     %10s %10s %11s\n' "$round" "$tlc" "$seconds" "$((tlc / seconds))"
  set -- $(raftkit_rate)
  printf '%5s  raftkit %10s %10s %11s\n' "$round" "$1" "$2" "$(node -e "console.log(Math.round($1 / $2))")"
  round=$((round + 1))
done
