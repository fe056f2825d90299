#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root, as CI does):
# Debian packages, npm dependencies, the TypeScript build and the `berth` binary.
# Each step is skipped when its result is already there, so a warm run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the engine, its tests and benchmarks, and the VS Code e2e tests need.
APT_PACKAGES=(busybox-static runc crun docker-registry skopeo umoci hyperfine uidmap
  iproute2 iptables passt chromium libkrb5-dev debootstrap)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm dependencies: `npm ci` when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

echo "setup: tsc"
npx tsc -p .

echo "setup: cargo build --release"
cargo build --release --quiet --manifest-path runtime-helper/Cargo.toml
# The static build lives under its target triple (.cargo/config.toml); the usual path
# points at it.
mkdir -p runtime-helper/target/release
ln -sfn ../x86_64-unknown-linux-gnu/release/berth runtime-helper/target/release/berth
