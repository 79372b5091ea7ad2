#!/usr/bin/env bash
# Runs each example project against the kit as users get it: `npm pack` of this checkout,
# installed from the tarball into a copy of the example in a scratch directory (plain
# `tsc` type-check, then vitest). Used by .ci/run.
set -euo pipefail
kit="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/raftkit-examples-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
(cd "$kit" && npm pack --silent --pack-destination "$scratch" >/dev/null)
tarball="$(ls "$scratch"/raftkit-*.tgz)"
vitest_version="$(node -p "require('$kit/node_modules/vitest/package.json').version")"
for example in "$kit"/examples/*/; do
  name="$(basename "$example")"
  echo "== example $name"
  cp -r "$example" "$scratch/$name"
  cd "$scratch/$name"
  npm install --no-audit --no-fund --silent "$tarball" "vitest@$vitest_version" typescript@7 @types/node@20
  node -e "import('raftkit').then(m => console.log('plain node: typeof step =', typeof m.step))"
  npm run --silent typecheck
  npm test --silent
done
