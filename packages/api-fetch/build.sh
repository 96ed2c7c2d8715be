#!/usr/bin/env bash
# Compiles @accord/api-fetch to target/api-fetch/dist (ES modules) with the pinned TypeScript
# of packages/api-types (installed there with `npm ci` on first use), and copies openapi-fetch's
# ES module beside it, for the browser test's page. Prints the dist folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exec 9>"${TMPDIR:-/tmp}/accord-api-fetch-build.lock"
flock 9
types="$root/packages/api-types"
if ! grep -q '"version": "5.9.3"' "$types/node_modules/typescript/package.json" 2>/dev/null \
  || [ ! -f "$types/node_modules/openapi-fetch/package.json" ]; then
  echo "api-fetch: installing TypeScript 5.9.3 and openapi-fetch (npm ci in packages/api-types)" >&2
  (cd "$types" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
node "$types/node_modules/typescript/bin/tsc" --pretty false -p "$root/packages/api-fetch/tsconfig.json" >&2
dist="$root/target/api-fetch/dist"
mkdir -p "$root/target/api-fetch/vendor"
cp "$types/node_modules/openapi-fetch/dist/index.mjs" "$root/target/api-fetch/vendor/openapi-fetch.js"
echo "$dist"
