#!/bin/sh
# Build the etcd raft step-mode adapter in GOPATH mode against Debian's copy of etcd's
# raft library (packages golang-go and golang-etcd-server-dev; no network, no go.mod).
# Output: .raftkit-tmp/etcd-raft/etcd-raft-adapter (git-ignored), or the path given as $1.
# Usage: sh conformance/adapters/etcd-raft/build.sh [output-binary]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-$repo/.raftkit-tmp/etcd-raft/etcd-raft-adapter}
gocode=${RAFTKIT_GOCODE:-/usr/share/gocode}
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found; install Debian's golang-go (apt-get install -y golang-go golang-etcd-server-dev)" >&2
  exit 2
fi
if [ ! -d "$gocode/src/go.etcd.io/etcd/raft" ]; then
  echo "build.sh: expected etcd's raft package at $gocode/src/go.etcd.io/etcd/raft; install golang-etcd-server-dev" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/raftkit-etcd-raft-build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/src/raftkit-etcd-raft-adapter" "$(dirname "$out")"
cp "$here/main.go" "$work/src/raftkit-etcd-raft-adapter/"
cd "$work/src/raftkit-etcd-raft-adapter"
GO111MODULE=off GOPATH="$work:$gocode" GOCACHE="${GOCACHE:-$repo/.raftkit-tmp/go-cache}" GOFLAGS= \
  go build -o "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out"
