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
step "typescript unit and LSP tests" node --test --test-concurrency=2 out/test/unit/
step "engine tests (cargo, as root)" bash scripts/test-engine.sh
if [ -f test/e2e/run.mjs ]; then
  step "VS Code e2e (code-server)" node test/e2e/run.mjs
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all suites passed"
