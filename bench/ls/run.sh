#!/usr/bin/env bash
# Dockerfile language server benchmark: Berth's server vs dockerfile-language-server-nodejs
# 0.15.0 (installed here only, not by the root package.json), over stdio, on a generated
# 2,000-line Dockerfile. Extra node flags for both servers: BENCH_NODE_ARGS="...".
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/dockerfile-language-server-nodejs ] || npm install --no-audit --no-fund
cd ../..
npx tsc -p .
node out/bench/ls/bench.js
