#!/usr/bin/env bash
# Unpacking a Debian bookworm minbase rootfs layer (~116 MiB) with berth's extractor
# (berth-layer, the code `berth pull/load/import` use) against GNU tar, on the same file and
# the same disk, for gzip and zstd layers. Prints medians and ratios; runs of the two
# tools alternate (bench/interleave.py), so load drift on a shared machine hits both alike.
# "cpu ms" is the mean user+system time, steadier than wall time on a busy machine.
# Needs root (ownership, device nodes), debootstrap, zstd, python3. The rootfs is built
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

unpack="${BERTH_UNPACK:-$here/../runtime-helper/target/x86_64-unknown-linux-gnu/release/examples/unpack}"
if [ -z "${BERTH_UNPACK:-}" ]; then
  (cd "$here/../runtime-helper" && cargo build --release --quiet -p berth-layer --example unpack)
fi

work="$cache/work"
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
echo "layer: $(du -m "$layer" | cut -f1) MiB tar, $(du -m "$layer.gz" | cut -f1) MiB gzip, $(du -m "$layer.zst" | cut -f1) MiB zstd; $runs runs each; disk: $(df --output=source,fstype "$cache" | tail -1)"
prep="rm -rf $work/d && mkdir $work/d && sync"
tarx="tar -C $work/d --numeric-owner --xattrs --xattrs-include='*'"
for c in gz zst tar; do
  case $c in gz) f="$layer.gz" t="$tarx -xpzf $f" ;; zst) f="$layer.zst" t="$tarx --zstd -xpf $f" ;; tar) f="$layer" t="$tarx -xpf $f" ;; esac
  echo "== $c"
  python3 "$here/interleave.py" "$runs" "$prep" "berth $c=$unpack $f $work/d" "GNU tar $c=$t"
done
