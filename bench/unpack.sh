#!/usr/bin/env bash
# Unpacking a Debian bookworm minbase rootfs layer (~116 MiB) with berth's extractor
# (berth-layer, the code `berth pull/load/import` use) against GNU tar, on the same file and
# the same disk, for gzip and zstd layers. Prints medians and ratios (hyperfine).
# "cpu ms" is the mean user+system time, steadier than wall time on a busy machine.
# Needs root (ownership, device nodes), debootstrap, hyperfine, zstd. The rootfs is built
# once (~2 min) and cached under ~/.cache/berth-bench/, never in the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${BERTH_BENCH_CACHE:-$HOME/.cache/berth-bench}"
runs="${RUNS:-7}"
mkdir -p "$cache"
rootfs="$cache/rootfs-bookworm"
if [ ! -d "$rootfs" ]; then
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  debootstrap --variant=minbase bookworm "$rootfs.tmp" "${mirror:-http://deb.debian.org/debian}" >"$cache/debootstrap.log"
  rm -rf "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/var/lib/apt/lists/* "$rootfs.tmp"/var/cache/apt/*.bin
  mv "$rootfs.tmp" "$rootfs"
fi
layer="$cache/layer.tar"
[ -f "$layer" ] || tar -C "$rootfs" --numeric-owner --xattrs -cf "$layer" .
[ -f "$layer.gz" ] || gzip -6 -c "$layer" >"$layer.gz"
[ -f "$layer.zst" ] || zstd -q -3 -c "$layer" >"$layer.zst"

unpack="${BERTH_UNPACK:-$here/../runtime-helper/target/release/examples/unpack}"
if [ -z "${BERTH_UNPACK:-}" ]; then
  (cd "$here/../runtime-helper" && cargo build --release --quiet -p berth-layer --example unpack)
fi

work="$cache/work"
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
echo "layer: $(du -m "$layer" | cut -f1) MiB tar, $(du -m "$layer.gz" | cut -f1) MiB gzip, $(du -m "$layer.zst" | cut -f1) MiB zstd; $runs runs each; disk: $(df --output=source,fstype "$cache" | tail -1)"
prep="rm -rf $work/d && mkdir $work/d && sync"
hyperfine --style basic --runs "$runs" --prepare "$prep" --export-json "$work/gz.json" \
  -n "berth gzip" "$unpack $layer.gz $work/d" \
  -n "GNU tar gzip" "tar -C $work/d --numeric-owner --xattrs --xattrs-include='*' -xpzf $layer.gz" >/dev/null
hyperfine --style basic --runs "$runs" --prepare "$prep" --export-json "$work/zst.json" \
  -n "berth zstd" "$unpack $layer.zst $work/d" \
  -n "GNU tar zstd" "tar -C $work/d --numeric-owner --xattrs --xattrs-include='*' --zstd -xpf $layer.zst" >/dev/null
hyperfine --style basic --runs "$runs" --prepare "$prep" --export-json "$work/tar.json" \
  -n "berth tar" "$unpack $layer $work/d" \
  -n "GNU tar tar" "tar -C $work/d --numeric-owner --xattrs --xattrs-include='*' -xpf $layer" >/dev/null
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]
print(f"{'case':<16}{'median ms':>12}{'min ms':>10}{'max ms':>10}{'cpu ms':>10}")
for k in ["gz", "zst", "tar"]:
    r = json.load(open(os.path.join(w, k + ".json")))["results"]
    for x in r:
        cpu = (x['user'] + x['system']) * 1000
        print(f"{x['command']:<16}{x['median']*1000:>12.0f}{x['min']*1000:>10.0f}{x['max']*1000:>10.0f}{cpu:>10.0f}")
    print(f"  ratio berth/GNU tar ({k}): {r[0]['median']/r[1]['median']:.2f}")
PY
