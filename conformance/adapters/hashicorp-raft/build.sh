#!/bin/sh
# Build the hashicorp/raft cluster-mode node (node/main.go) in GOPATH mode against Debian's
# copies of hashicorp/raft 1.1.2 and raft-boltdb (packages golang-go,
# golang-github-hashicorp-raft-dev, golang-github-hashicorp-raft-boltdb-dev; no network).
# Output: .raftkit-tmp/hashicorp-raft/node (git-ignored), or the path given as $1.
# Usage: sh conformance/adapters/hashicorp-raft/build.sh [output-binary]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-$repo/.raftkit-tmp/hashicorp-raft/node}
gocode=${RAFTKIT_GOCODE:-/usr/share/gocode}
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found; install Debian's golang-go (apt-get install -y golang-go)" >&2
  exit 2
fi
for pkg in github.com/hashicorp/raft github.com/hashicorp/raft-boltdb; do
  if [ ! -d "$gocode/src/$pkg" ]; then
    echo "build.sh: expected $pkg at $gocode/src/$pkg; install golang-github-hashicorp-raft-dev golang-github-hashicorp-raft-boltdb-dev" >&2
    exit 2
  fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/raftkit-hashicorp-build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/src/raftkit-hashicorp-raft-node" "$(dirname "$out")"
cp "$here/node/main.go" "$work/src/raftkit-hashicorp-raft-node/"
cd "$work/src/raftkit-hashicorp-raft-node"
GO111MODULE=off GOPATH="$work:$gocode" GOCACHE="${GOCACHE:-$repo/.raftkit-tmp/go-cache}" GOFLAGS= \
  go build -o "$out.tmp" .
mv "$out.tmp" "$out"
echo "$out"
