#!/bin/bash
# Builds the Slipway Debian 12 image: mmdebstrap from this machine's own
# apt sources (no mirror is named here), then mkdisk (ESP with syslinux and
# systemd-boot, Debian's kernel and initramfs; ext4 root in partition 2),
# then zstd. Usage: build.sh OUTDIR MKDISK
set -euo pipefail
out=$1 mkdisk=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$out/debian.root
start=$(date +%s)
packages=systemd-sysv,udev,kmod,dbus,initramfs-tools,zstd,linux-image-amd64,cloud-init,openssh-server,sudo
packages+=,containerd,runc,containernetworking-plugins,ca-certificates,iproute2,netbase,procps

rm -rf "$root" && mkdir -p "$out"
mmdebstrap --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook="$here/customize.sh \"\$1\"" \
  bookworm "$root"
echo "debian: rootfs in $(( $(date +%s) - start )) s ($(du -sh "$root" | cut -f1))"

rel=$(ls "$root"/boot/vmlinuz-* | sed 's#.*/vmlinuz-##' | sort -V | tail -n1)
mkdir -p "$out/debian"
mv "$root/boot/vmlinuz-$rel" "$out/debian/vmlinuz"
mv "$root/boot/initrd.img-$rel" "$out/debian/initrd"
rm -f "$root"/boot/initrd.img-* "$root"/vmlinuz* "$root"/initrd.img*
"$mkdisk" -out "$out/debian.raw" -esp-mib 128 -root-dir "$root" -label-id 5119a702 \
  -kernel "$out/debian/vmlinuz" -initrd "$out/debian/initrd" \
  -title "Slipway Debian 12" -cmdline "console=ttyS0,115200"
rm -rf "$root"

zstd -T0 -q -f --rm "$out/debian.raw" -o "$out/debian.raw.zst"
(cd "$out" && sha256sum debian.raw.zst > debian.raw.zst.sha256)
echo "debian: built in $(( $(date +%s) - start )) s; raw $(zstd -lv "$out/debian.raw.zst" 2>/dev/null | sed -n 's/^Decompressed Size: *//p'), compressed $(du -h "$out/debian.raw.zst" | cut -f1)"
