#!/usr/bin/env bash
# The engine's tests: clippy and rustfmt gates, then unit and privileged integration
# tests on the real kernel. The privileged tests need root.
set -euo pipefail
cd "$(dirname "$0")/../runtime-helper"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# Integration tests share /sys/fs/cgroup and the store; two threads keep it quick on 2 cores.
cargo test --workspace -- --test-threads=2
