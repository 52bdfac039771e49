#!/bin/bash
# Builds the Slipway Debian 12 image: mmdebstrap from this machine's own
# apt sources (no mirror is named here), the Kubernetes and containerd
# binaries built by images/kube and the OCI archives to preload (customize.sh),
# then mkdisk (ESP with syslinux and systemd-boot, Debian's kernel and
# initramfs; ext4 root in partition 2), then zstd.
#
#   build.sh OUTDIR MKDISK KUBE_BIN_DIR CONTAINERD_BIN_DIR PRELOAD_DIR
#
# KUBE_BIN_DIR and CONTAINERD_BIN_DIR hold the binaries and their
# manifest.json, PRELOAD_DIR the *.tar archives with their .sha256. The image
# is skipped when OUTDIR/debian.inputs lists the same inputs (these recipes,
# mkdisk, the manifests, the archives' digests) and the image matches its
# .sha256; delete debian.inputs to force a rebuild.
set -euo pipefail
out=$1 mkdisk=$2 kube=$3 ctrd=$4 preload=$5
here=$(cd "$(dirname "$0")" && pwd)
root=$out/debian.root
start=$(date +%s)

# inputs prints the digest of everything the image is made from (but the
# Debian archive itself: its packages change only with the host's mirror).
inputs() {
	sha256sum "$here"/* "$mkdisk" "$kube/manifest.json" "$ctrd/manifest.json" | sed "s#  $here/#  debian/#"
	cat "$preload"/*.tar.sha256
}
want=$(inputs)
if [ -f "$out/debian.inputs" ] && [ "$want" = "$(cat "$out/debian.inputs")" ] &&
	(cd "$out" && sha256sum --quiet -c debian.raw.zst.sha256 2>/dev/null); then
	echo "debian: up to date ($out/debian.raw.zst; delete $out/debian.inputs to rebuild)"
	exit 0
fi
rm -f "$out/debian.inputs"

packages=systemd-sysv,udev,kmod,dbus,initramfs-tools,zstd,linux-image-amd64,cloud-init,openssh-server,sudo
packages+=,ca-certificates,iproute2,netbase,procps
# Kubernetes node: containerd is ours (2.x, /usr/local/bin; Debian 12's 1.6 is too old), runc and the
# CNI plugins are Debian's; etcd (control plane) and keepalived (the control-plane VIP) are installed
# but not started (the units cloud-init writes start them); what kubelet and kube-proxy call.
packages+=,runc,containernetworking-plugins,etcd-server,keepalived,iptables,ipset,conntrack,ethtool,socat

rm -rf "$root" && mkdir -p "$out"
mmdebstrap --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook="$here/customize.sh \"\$1\" '$kube' '$ctrd' '$preload'" \
  bookworm "$root"
echo "debian: rootfs in $(( $(date +%s) - start )) s ($(du -sh "$root" | cut -f1); /usr/local $(du -sh "$root/usr/local" | cut -f1))"

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
printf '%s\n' "$want" > "$out/debian.inputs"
echo "debian: built in $(( $(date +%s) - start )) s; raw $(zstd -lv "$out/debian.raw.zst" 2>/dev/null | sed -n 's/^Decompressed Size: *//p'), compressed $(du -h "$out/debian.raw.zst" | cut -f1)"
