// Package boottest holds the tests of the built images (.cache/images,
// make images): the agent initramfs carries every module its drivers
// need, and the OS images boot from a virtio disk in QEMU (TCG) under
// SeaBIOS and OVMF, read a NoCloud seed partition the test appends the way
// the installer does, and phone home over a tap in a network namespace
// the test creates. The boot tests are gated by SLIPWAY_VM=1 (and
// SLIPWAY_VM_DEBIAN=1 for the Debian image); every test skips, saying
// why, when a tool or an artifact is missing.
package boottest
