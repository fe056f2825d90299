#!/usr/bin/env bash
# The whole test suite: set-up, then every suite. Runs them all even when one fails and
# exits non-zero if any did. Run as root: the engine tests use real namespaces,
# cgroups and mounts.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

failed=()
step() {
  local name=$1; shift
  echo "=== $name: $*"
  if ! "$@"; then failed+=("$name"); fi
}
# Each suite has a deadline far above its usual time, so a hang fails the run with a
# name instead of eating CI's 90 minutes.
step "typescript unit and LSP tests" timeout -k 30 900 node --test --test-concurrency=2 out/test/unit/
step "engine tests (cargo, as root)" timeout -k 30 2400 bash scripts/test-engine.sh
step "VS Code e2e (code-server)" timeout -k 30 1500 node test/e2e/run.mjs

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all suites passed"
