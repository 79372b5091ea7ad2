#!/bin/sh
# Build the hashicorp/raft programs in GOPATH mode against Debian's
# copies of hashicorp/raft 1.1.2 and raft-boltdb (packages golang-go,
# golang-github-hashicorp-raft-dev, golang-github-hashicorp-raft-boltdb-dev; no network).
# Output (git-ignored): .raftkit-tmp/hashicorp-raft/node, the cluster-mode node (node/main.go),
# and .raftkit-tmp/hashicorp-raft/step, the step-mode adapter (step/main.go); or at the
# paths given.
# Usage: sh conformance/adapters/hashicorp-raft/build.sh [node-binary [step-binary]]
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
build() { # build <source dir> <output>
  mkdir -p "$work/src/raftkit-hashicorp-$1" "$(dirname "$2")"
  cp "$here/$1/main.go" "$work/src/raftkit-hashicorp-$1/"
  (cd "$work/src/raftkit-hashicorp-$1" &&
    GO111MODULE=off GOPATH="$work:$gocode" GOCACHE="${GOCACHE:-$repo/.raftkit-tmp/go-cache}" GOFLAGS= \
      go build -o "$2.tmp" . && mv "$2.tmp" "$2")
  echo "$2"
}
work=$(mktemp -d "${TMPDIR:-/tmp}/raftkit-hashicorp-build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
build node "$out"
build step "${2:-$repo/.raftkit-tmp/hashicorp-raft/step}"
