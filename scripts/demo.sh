#!/usr/bin/env bash
# The main job: set everything up, show the `berth` engine running isolated containers,
# then open the sample project in a real VS Code (code-server) with the Berth extension.
# Run as root. `--no-editor` (or CI=true) stops after the engine part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# On PATH, so the commands shown read as a user would type them.
export PATH=$PWD/runtime-helper/target/x86_64-unknown-linux-gnu/release:$PATH
berth=berth
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

say "An offline busybox image, imported into the store (${BERTH_ROOT:-/var/lib/berth})"
tarball=$(mktemp --suffix=.tar)
trap 'rm -f "$tarball"' EXIT # on failure; the `exec` at the end skips EXIT traps
bash scripts/busybox-rootfs.sh "$tarball"
show "$berth" import "$tarball" berth-demo/busybox:latest
rm -f "$tarball"
show "$berth" images

say "A container sees only itself: its own PID 1 and hostname; Docker's capabilities, seccomp and masked paths"
show "$berth" run --rm --hostname demo berth-demo/busybox sh -c \
  'echo "pid $$ on $(hostname)"; ps; grep -E "^(CapEff|Seccomp):" /proc/self/status
   echo "/proc/keys (masked): $(wc -c < /proc/keys) bytes"
   echo x 2>/dev/null > /proc/sys/kernel/domainname || echo "/proc/sys is read-only"'

say "Limits are enforced by cgroups: 64 MiB of memory, 200 MiB asked -> OOM kill, exit 137"
set +e
show "$berth" run --rm --memory 64m berth-demo/busybox sh -c 'head -c 200m /dev/zero | tail >/dev/null'
echo "exit code: $?"
set -e

say "A detached container outlives this script's berth process; its shim keeps the log"
id=$("$berth" run -d --name berth-demo-ticker berth-demo/busybox sh -c 'for i in 1 2 3; do echo tick $i; sleep 0.2; done')
show "$berth" wait "$id"
show "$berth" logs --timestamps "$id"
show "$berth" rm "$id"

if [ "${1:-}" = "--no-editor" ] || [ "${CI:-}" = true ]; then exit 0; fi
say "The Berth extension in a real VS Code (code-server), on examples/sample-project"
exec node scripts/open-editor.mjs examples/sample-project
