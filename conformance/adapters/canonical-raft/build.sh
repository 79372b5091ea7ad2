#!/bin/sh
# Build the canonical raft step-mode adapter with the system C compiler against Debian's
# libraft (package libraft-dev, found through pkg-config; no network).
# Output: .raftkit-tmp/canonical-raft/adapter (git-ignored), or the path given as $1.
# Usage: sh conformance/adapters/canonical-raft/build.sh [output-binary]
# RAFTKIT_CFLAGS adds compiler flags, e.g. -DRAFTKIT_DECLARE_PENDING_SWITCHES=1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-$repo/.raftkit-tmp/canonical-raft/adapter}
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "build.sh: no C compiler '$cc'; install Debian's gcc (apt-get install -y gcc)" >&2
  exit 2
fi
if ! pkg-config --exists raft 2>/dev/null; then
  echo "build.sh: pkg-config does not know 'raft'; install Debian's libraft-dev and pkg-config (apt-get install -y libraft-dev pkg-config)" >&2
  exit 2
fi
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2046,SC2086 # pkg-config prints several flags on purpose
"$cc" -std=gnu11 -O1 -g -Wall -Wextra -Werror ${RAFTKIT_CFLAGS:-} $(pkg-config --cflags raft) \
  -o "$out.tmp" "$here/adapter.c" $(pkg-config --libs raft)
mv "$out.tmp" "$out"
echo "$out"
