# Image recipes (issue 7), included by the top-level Makefile:
#
#   make images-agent   .cache/images/agent/{vmlinuz,initrd}: Debian's kernel and an initramfs
#                       whose /init is the static slipway-agent (+ busybox, the modules it needs)
#   make images-tiny    .cache/images/os/tiny.raw.zst(+.sha256): a 64 MiB busybox OS that boots
#                       BIOS and UEFI, reads its NoCloud seed and phones home (tests, demos)
#   make images-debian  .cache/images/os/debian.raw.zst(+.sha256): Debian 12 with cloud-init, a
#                       read-only root (mmdebstrap from this machine's apt sources) and a Kubernetes
#                       node: the binaries of images-kube (kube.mk), runc, CNI plugins, etcd,
#                       keepalived and the OCI archives to preload (pause, probe). Skipped when
#                       none of its inputs changed (images/os/debian/build.sh: debian.inputs).
#   make images         all three
#   make images-test    their tests, booting QEMU (BIOS and UEFI; root; SLIPWAY_VM=1)

.PHONY: images images-agent images-tiny images-debian images-tools images-test

IMAGES_DIR := $(CACHE)/images
IMAGES_OS  := $(IMAGES_DIR)/os

# Tools the recipes drive (make deps installs them).
APT_PACKAGES += busybox-static linux-image-amd64 syslinux syslinux-common mtools dosfstools fdisk \
  systemd-boot-efi mmdebstrap zstd xz-utils e2fsprogs qemu-system-x86 ovmf jq

# Modules of the agent's initramfs: NICs and disk controllers of common servers and of QEMU, and
# the FAT support to write the NoCloud seed. Their dependencies come along (modules.dep); built-in
# ones (af_packet is, in Debian's kernel) need nothing.
AGENT_MODULES := virtio_pci,virtio_rng,virtio_net,virtio_blk,virtio_scsi,e1000,e1000e,igb,ixgbe,i40e,tg3,r8169,ahci,sd_mod,nvme,vfat,fat,nls_cp437,nls_iso8859_1,nls_utf8,nls_ascii,af_packet
TINY_MODULES  := virtio_pci,virtio_rng,virtio_net,virtio_blk,virtio_scsi,sd_mod,ahci,nvme,e1000,e1000e,vfat,fat,nls_cp437,nls_iso8859_1,nls_utf8,nls_ascii

images: images-agent images-tiny images-debian

images-tools: deps
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/mkinitramfs ./images/mkinitramfs
	$(GO) build -trimpath -o $(BIN)/mkdisk ./images/mkdisk

## images-agent: the agent's kernel and initramfs
images-agent: images-tools
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o $(BIN)/slipway-agent ./cmd/slipway-agent
	$(BIN)/mkinitramfs -init $(BIN)/slipway-agent -modules $(AGENT_MODULES) -version $(VERSION) \
	  -out $(IMAGES_DIR)/agent/initrd -kernel-out $(IMAGES_DIR)/agent/vmlinuz

## images-tiny: the tiny busybox OS image
images-tiny: images-tools
	$(BIN)/mkinitramfs -init images/os/tiny/init -file /etc/udhcpc.script=images/os/tiny/udhcpc.script \
	  -modules $(TINY_MODULES) -out $(IMAGES_OS)/tiny/initrd -kernel-out $(IMAGES_OS)/tiny/vmlinuz
	$(BIN)/mkdisk -out $(IMAGES_OS)/tiny.raw -size-mib 64 -label-id 5119a701 -title 'Slipway tiny OS' \
	  -kernel $(IMAGES_OS)/tiny/vmlinuz -initrd $(IMAGES_OS)/tiny/initrd -cmdline 'console=ttyS0,115200 quiet'
	zstd -T0 -19 -q -f --rm $(IMAGES_OS)/tiny.raw -o $(IMAGES_OS)/tiny.raw.zst
	cd $(IMAGES_OS) && sha256sum tiny.raw.zst > tiny.raw.zst.sha256
	@echo "tiny: raw $$(zstd -lv $(IMAGES_OS)/tiny.raw.zst 2>/dev/null | sed -n 's/^Decompressed Size: *//p'), compressed $$(du -h $(IMAGES_OS)/tiny.raw.zst | cut -f1)"

## images-debian: the Debian 12 Kubernetes node image (root; a few minutes; ~1 s when up to date)
images-debian: images-tools images-kube
	images/os/debian/build.sh $(IMAGES_OS) $(BIN)/mkdisk $(KUBE_BIN_DIR) $(CONTAINERD_BIN_DIR) $(CACHE)/kube/images

## images-test: the images' tests with QEMU boots (SLIPWAY_VM_DEBIAN=1 adds the Debian boots)
images-test:
	SLIPWAY_VM=1 $(GO) test -count=1 -v -timeout 30m ./images/...
