#!/bin/sh
# Installs the Kubernetes node into the Slipway Debian image (run by
# customize.sh inside mmdebstrap's customize hook):
#
#   kube.sh ROOT KUBE_BIN_DIR CONTAINERD_BIN_DIR PRELOAD_DIR
#
# - the Kubernetes and containerd binaries into /usr/local/bin, checked
#   against their manifest.json and run once in the chroot (--version);
# - the OCI archives into /usr/local/share/slipway/images (the rendered
#   slipway-preload-images.service imports them), checked against .sha256;
# - /usr/local/share/slipway/kubernetes.json: versions and sha256 of all of it;
# - Debian's etcd and keepalived units disabled (the binaries stay: the units
#   cloud-init writes into /etc/systemd/system start them on the nodes that
#   need them); /var/lib/containerd a tmpfs (overlayfs cannot be stacked on
#   the overlay root as an upper layer).
# The binaries are already built with -s -w: strip(1) would save ~3 KB each
# and change their sha256, so they are copied as built.
set -eu
root=$1 kube=$2 ctrd=$3 preload=$4
here=$(dirname "$0")
share=$root/usr/local/share/slipway

if chroot "$root" dpkg-query -W containerd >/dev/null 2>&1; then
	echo "kube.sh: Debian's containerd (1.6) is installed; the image carries containerd 2.x" >&2
	exit 1
fi
install -d "$root/usr/local/bin" "$share/images"
for dir in "$kube" "$ctrd"; do
	for name in $(jq -r '.binaries[].name' "$dir/manifest.json"); do
		install -m 0755 "$dir/$name" "$root/usr/local/bin/$name"
	done
	(cd "$root/usr/local/bin" && jq -r '.binaries[] | "\(.sha256)  \(.name)"' "$dir/manifest.json" | sha256sum --quiet -c -)
done
kv=$(jq -r .version "$kube/manifest.json")
cv=$(jq -r .version "$ctrd/manifest.json")
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
	chroot "$root" "/usr/local/bin/$b" --version | grep -qx "Kubernetes $kv" || { echo "kube.sh: $b is not $kv" >&2; exit 1; }
done
chroot "$root" /usr/local/bin/containerd --version | grep -q " $cv " || { echo "kube.sh: containerd is not $cv" >&2; exit 1; }
chroot "$root" /usr/local/bin/ctr --version | grep -q "$cv" || { echo "kube.sh: ctr is not $cv" >&2; exit 1; }
chroot "$root" /usr/local/bin/containerd-shim-runc-v2 -v | grep -q "$cv" || { echo "kube.sh: the shim is not $cv" >&2; exit 1; }

(cd "$preload" && sha256sum --quiet -c ./*.tar.sha256)
install -m 0644 "$preload"/*.tar "$share/images/"

pkg() { chroot "$root" dpkg-query -W -f='${Version}' "$1"; }
jq -n --slurpfile k "$kube/manifest.json" --slurpfile c "$ctrd/manifest.json" \
	--argjson images "$(cd "$preload" && cat ./*.tar.sha256 | jq -R 'split("  ") | {archive: ("/usr/local/share/slipway/images/" + .[1]), sha256: .[0]}' | jq -s .)" \
	--arg etcd "$(pkg etcd-server)" --arg runc "$(pkg runc)" --arg cni "$(pkg containernetworking-plugins)" \
	--arg keepalived "$(pkg keepalived)" '{
	kubernetes: {version: $k[0].version, goVersion: $k[0].goVersion,
		binaries: [$k[0].binaries[] | {path: ("/usr/local/bin/" + .name), sha256, size}]},
	containerd: {version: $c[0].version, goVersion: $c[0].goVersion,
		binaries: [$c[0].binaries[] | {path: ("/usr/local/bin/" + .name), sha256, size}]},
	images: $images,
	debian: {"etcd-server": $etcd, runc: $runc, "containernetworking-plugins": $cni, keepalived: $keepalived}
}' > "$share/kubernetes.json"

chroot "$root" systemctl disable etcd.service keepalived.service
install -m 0644 "$here/var-lib-containerd.mount" "$root/etc/systemd/system/var-lib-containerd.mount"
chroot "$root" systemctl enable var-lib-containerd.mount
