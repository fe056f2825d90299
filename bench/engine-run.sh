#!/usr/bin/env bash
# `berth run --rm busybox true` against `crun run` and `runc run` on the same busybox
# rootfs, with hyperfine; prints medians and ratios. Run as root. Not a test.
#   bash bench/engine-run.sh [RUNS]   (default 30 runs after 3 warm-ups)
# berth does more per run than the peers (overlay rootfs, cgroup, shim, json-file log,
# read-only binary clone); runc and crun run the plain rootfs directory.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
for t in hyperfine runc crun busybox python3; do
  command -v "$t" >/dev/null || { echo "engine-run: $t is missing (apt-get install hyperfine runc crun busybox-static)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "engine-run: run as root" >&2; exit 1; }

cargo build --release --quiet --manifest-path runtime-helper/Cargo.toml -p berth
BERTH=$PWD/runtime-helper/target/release/berth

W=$(mktemp -d /tmp/berth-bench-run.XXXXXX)
HUGE_PID=
cleanup() {
  [ -n "$HUGE_PID" ] && kill "$HUGE_PID" 2>/dev/null || true
  runc delete -f bench-runc >/dev/null 2>&1 || true
  crun delete -f bench-crun >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT

# The same busybox rootfs (ENVIRONMENT.md) twice: a tar imported into berth's store, and
# that tar unpacked as the bundles' rootfs.
R=$W/bundle/rootfs
mkdir -p "$R"
bash scripts/busybox-rootfs.sh "$W/busybox.tar"
tar -C "$R" -xf "$W/busybox.tar"
"$BERTH" --root "$W/store" import "$W/busybox.tar" busybox >/dev/null

# An OCI bundle for runc and crun: their default spec, running `true` without a tty.
(cd "$W/bundle" && runc spec)
python3 - "$W/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"), indent=1)
PY

# crun refuses hybrid cgroups unless hugetlb is also mounted as v1 somewhere: hold such
# a mount in a private mount namespace for the duration (ENVIRONMENT.md).
unshare -m --propagation private sh -c "mkdir -p $W/cghuge; mount -t cgroup -o hugetlb cgroup $W/cghuge && exec sleep 86400" &
HUGE_PID=$!
sleep 0.5

hyperfine --style basic --warmup 3 --runs "$RUNS" --export-json "$W/run.json" \
  -n berth "$BERTH --root $W/store run --rm busybox true" \
  -n crun "crun run --bundle $W/bundle bench-crun" \
  -n runc "runc run --bundle $W/bundle bench-runc"

python3 - "$W/run.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
print()
print(f"{'engine':<8}{'median ms':>10}{'berth / x':>12}")
for k in ("berth", "crun", "runc"):
    print(f"{k:<8}{med[k]:>10.1f}{med['berth'] / med[k]:>12.2f}")
PY
