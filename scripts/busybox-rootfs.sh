#!/usr/bin/env bash
# Writes a busybox rootfs tarball (about 2 MB) to $1, from Debian's busybox-static:
# the offline test image of ../shared/ENVIRONMENT.md.
set -euo pipefail
out=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root}
cp /bin/busybox "$dir/bin/"
chroot "$dir" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
tar -C "$dir" -cf "$out" .
