#!/usr/bin/env bash
# Dockerfile language server benchmark: Berth's server vs dockerfile-language-server-nodejs
# 0.15.0 (installed here only, not by the root package.json), over stdio, on a generated
# 2,000-line Dockerfile. Our server runs with the flags the extension passes
# (language-server/execArgv.ts), rcjsuen's with none unless BENCH_SAME_FLAGS=1. Extra node
# flags for both: BENCH_NODE_ARGS="...". BENCH_RUNS=n (default 3) runs per server, alternating.
# BENCH_IDLE_S=n also reads both servers' RSS after n seconds idle.
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/dockerfile-language-server-nodejs ] || npm install --no-audit --no-fund
cd ../..
npx tsc -p .
node out/bench/ls/bench.js
