#!/usr/bin/env bash
# `berth pull` of a 3-layer Debian bookworm image (gzip layers, ~116 MiB unpacked) from a
# local docker-registry, against `skopeo copy` to an OCI layout + `umoci unpack` (the same
# work with Debian's tools: fetch, verify, unpack all layers with whiteouts). Fresh store
# every run, runs of the two alternating (bench/interleave.py). Prints medians and ratios.
# Needs root, docker-registry, skopeo, umoci, python3; reuses the rootfs cached by unpack.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${BERTH_BENCH_CACHE:-$HOME/.cache/berth-bench}"
runs="${RUNS:-5}"
rootfs="$cache/rootfs-bookworm"
[ -d "$rootfs" ] || { echo "run bench/unpack.sh first (it builds $rootfs)" >&2; exit 1; }
berth="${BERTH:-$here/../runtime-helper/target/x86_64-unknown-linux-gnu/release/berth}"
if [ -z "${BERTH:-}" ]; then
  (cd "$here/../runtime-helper" && cargo build --release --quiet -p berth)
fi

work="$(mktemp -d "$cache/pull.XXXXXX")"
reg_pid=""
cleanup() { [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# A 3-layer OCI layout: /usr, then /etc + /var, then the rest.
layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
tar -C "$rootfs" --numeric-owner -cf "$work/l1.tar" ./usr
tar -C "$rootfs" --numeric-owner -cf "$work/l2.tar" ./etc ./var
tar -C "$rootfs" --numeric-owner --exclude=./usr --exclude=./etc --exclude=./var -cf "$work/l3.tar" .
for i in 1 2 3; do gzip -6 -c "$work/l$i.tar" >"$work/l$i.tar.gz"; done
python3 - "$work" "$layout" <<'PY'
import hashlib, json, os, shutil, sys
work, layout = sys.argv[1:]
def blob(path=None, data=None):
    data = open(path, "rb").read() if path else data
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(layout, "blobs/sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
diffs, layers = [], []
for i in (1, 2, 3):
    diffs.append("sha256:" + hashlib.sha256(open(f"{work}/l{i}.tar", "rb").read()).hexdigest())
    d, n = blob(f"{work}/l{i}.tar.gz")
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": n})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/bash"]},
                  "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
cd, cn = blob(data=cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
                  "layers": layers}).encode()
md, mn = blob(data=man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "bench"}}]},
          open(os.path.join(layout, "index.json"), "w"))
open(os.path.join(layout, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
PY

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
reg_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
ref="127.0.0.1:$port/debian:bench"
skopeo copy --quiet --dest-tls-verify=false "oci:$layout:bench" "docker://$ref"

echo "image: 3 gzip layers, $(du -cm "$work"/l?.tar.gz | tail -1 | cut -f1) MiB compressed, $(du -cm "$work"/l?.tar | tail -1 | cut -f1) MiB tar; $runs runs each"
python3 "$here/interleave.py" "$runs" "rm -rf $work/root $work/oci $work/bundle && sync" \
  "berth pull=$berth --root $work/root pull -q $ref" \
  "skopeo copy + umoci unpack=skopeo copy --quiet --src-tls-verify=false docker://$ref oci:$work/oci:bench && umoci unpack --image $work/oci:bench $work/bundle"
