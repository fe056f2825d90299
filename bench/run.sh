#!/usr/bin/env bash
# `npm run bench`: the language-server benchmark (bench/ls/run.sh: Berth's server against
# rcjsuen's, no root needed), then how to run the engine benchmarks, which need root and
# the peers installed, so this script does not start them. Details: bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/ls/run.sh
cat <<'MSG'

Engine benchmarks (as root; not run by `npm run bench`):
  sudo bash bench/engine-run.sh [RUNS [ROUNDS]]   berth run vs crun and runc (needs hyperfine runc crun busybox-static)
  sudo bash bench/unpack.sh                       layer unpack vs GNU tar (needs debootstrap zstd; builds a rootfs once)
  sudo bash bench/pull.sh                         berth pull vs skopeo + umoci (needs docker-registry skopeo umoci; after unpack.sh)
MSG
