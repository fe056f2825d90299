#!/usr/bin/env bash
# `berth run --rm busybox true` against `crun run` and `runc run` on the same busybox
# rootfs, with hyperfine; prints medians and ratios. Run as root. Not a test.
#   bash bench/engine-run.sh [RUNS [ROUNDS]]   (default 6 rounds of 20 runs per engine,
#   each after 3 warm-ups)
# berth does more per run than the peers (overlay rootfs, cgroup, shim, json-file log,
# read-only binary clone); runc and crun run the plain rootfs directory.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
ROUNDS=${2:-6}
for t in hyperfine runc crun busybox python3; do
  command -v "$t" >/dev/null || { echo "engine-run: $t is missing (apt-get install hyperfine runc crun busybox-static)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "engine-run: run as root" >&2; exit 1; }

cargo build --release --quiet --manifest-path runtime-helper/Cargo.toml -p berth
BERTH=$PWD/runtime-helper/target/x86_64-unknown-linux-gnu/release/berth

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

# Rounds of back-to-back runs per engine (each engine pays for its own teardown, e.g.
# berth's shim removing the last container while the next one starts). Each round takes
# the next of the six orders of the engines: a drift in the machine's load, or the
# teardown an engine leaves to the kernel after it (runc's is the heaviest), falls on
# each engine alike.
cmds=(
  "berth=$BERTH --root $W/store run --rm busybox true"
  "crun=crun run --bundle $W/bundle bench-crun"
  "runc=runc run --bundle $W/bundle bench-runc"
)
orders=("0 1 2" "2 1 0" "1 2 0" "0 2 1" "2 0 1" "1 0 2")
for r in $(seq "$ROUNDS"); do
  args=()
  for i in ${orders[$(((r - 1) % 6))]}; do
    args+=(-n "${cmds[$i]%%=*}" "${cmds[$i]#*=}")
  done
  hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$W/round-$r.json" \
    "${args[@]}" >/dev/null
  echo "round $r of $ROUNDS done" >&2
done

python3 - "$W" "$ROUNDS" <<'PY'
import json, statistics, sys
w, rounds = sys.argv[1], int(sys.argv[2])
times = {}  # engine -> every run's wall time (ms)
per_round = []  # engine -> median (ms), per round
for r in range(1, rounds + 1):
    res = json.load(open(f"{w}/round-{r}.json"))["results"]
    per_round.append({x["command"]: statistics.median(x["times"]) * 1000 for x in res})
    for x in res:
        times.setdefault(x["command"], []).extend(t * 1000 for t in x["times"])
print()
print("round medians (ms): " + "; ".join(
    " ".join(f"{k} {m[k]:.1f}" for k in ("berth", "crun", "runc")) for m in per_round))
print(f"{'engine':<8}{'median ms':>10}{'p25':>8}{'p75':>8}{'berth / x':>11}{'rounds berth / x':>18}")
med = {k: statistics.median(v) for k, v in times.items()}
for k in ("berth", "crun", "runc"):
    q = statistics.quantiles(times[k], n=4)
    per = statistics.median(m["berth"] / m[k] for m in per_round)
    print(f"{k:<8}{med[k]:>10.1f}{q[0]:>8.1f}{q[2]:>8.1f}{med['berth'] / med[k]:>11.2f}{per:>18.2f}")
PY
