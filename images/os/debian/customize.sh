#!/bin/sh
# mmdebstrap --customize-hook for the Slipway Debian image:
#
#   customize.sh ROOT KUBE_BIN_DIR CONTAINERD_BIN_DIR PRELOAD_DIR
#
# Enables systemd-networkd (cloud-init renders its network config for it),
# configures cloud-init for the NoCloud seed, installs the Kubernetes node
# (kube.sh), installs the read-only-root overlay into the initramfs and
# rebuilds the initramfs, and removes what must differ per machine (SSH host
# keys, machine-id).
set -eu
root=$1
here=$(dirname "$0")
"$here/kube.sh" "$root" "$2" "$3" "$4"

chroot "$root" systemctl enable systemd-networkd.service
chroot "$root" systemctl mask systemd-networkd-wait-online.service

install -m 0644 "$here/90-slipway.cfg" "$root/etc/cloud/cloud.cfg.d/90-slipway.cfg"
# No locales package: the locale module would only warn. `locale: false` skips it but fails
# cloud-init's schema (a string); dropping it from the module list is the supported way.
grep -Eq '^ *- locale$' "$root/etc/cloud/cloud.cfg"
sed -i -E '/^ *- locale$/d' "$root/etc/cloud/cloud.cfg"
install -m 0755 "$here/slipway-overlay" "$root/etc/initramfs-tools/scripts/init-bottom/slipway-overlay"
grep -qx overlay "$root/etc/initramfs-tools/modules" || echo overlay >> "$root/etc/initramfs-tools/modules"
# MODULES=most: the initramfs finds the root behind any disk controller
# (MODULES=dep would only see the build machine's).
sed -i 's/^MODULES=.*/MODULES=most/' "$root/etc/initramfs-tools/initramfs.conf"
# A server image has no use for sound, cameras, sensors, staging drivers,
# wireless or Bluetooth: about 100 MiB of modules fewer.
for kdir in "$root"/usr/lib/modules/*; do
	for d in sound drivers/media drivers/iio drivers/staging drivers/net/wireless drivers/bluetooth \
		net/bluetooth net/mac80211 net/wireless; do
		rm -rf "${kdir:?}/kernel/$d"
	done
	chroot "$root" depmod -a "${kdir##*/}"
done
chroot "$root" update-initramfs -u -k all

# Nothing machine-specific in the image: cloud-init and systemd make them.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
printf 'localhost\n' > "$root/etc/hostname"
# The root is mounted by the initramfs; fstab has nothing to remount.
printf '# / is the read-only image under a tmpfs overlay (see slipway-overlay)\n' > "$root/etc/fstab"
# A console for the operator on the serial port (root stays locked).
chroot "$root" systemctl enable serial-getty@ttyS0.service
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
