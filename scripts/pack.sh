#!/usr/bin/env bash
# Builds, then writes one .tgz per publishable package (every packages/* that is not private) into OUT_DIR, as
# `pnpm publish` would upload it: workspace:/catalog: ranges become versions, exports lose the @etl/source condition.
# Usage: bash scripts/pack.sh OUT_DIR   (ETL_PACK_NO_BUILD=1 skips the build, for callers that just built)
set -euo pipefail
out=$(realpath -m "${1:?usage: bash scripts/pack.sh OUT_DIR}")
cd "$(dirname "$0")/.."
mkdir -p "$out"
[ "${ETL_PACK_NO_BUILD:-}" = 1 ] || pnpm run build >/dev/null
for dir in packages/*/; do
  [ "$(node -p "require('./${dir}package.json').private === true")" = true ] && continue
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
done
ls -1 "$out"/*.tgz
