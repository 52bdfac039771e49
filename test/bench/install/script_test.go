package install

import (
	"strings"
	"testing"
	"text/template"
)

// markPrefix starts the init script's machine-readable serial lines.
const markPrefix = "SLIPWAY-BENCH"

// scriptParams fill the init script.
type scriptParams struct {
	CIDR  string // the VM's address
	URL   string
	Image benchImage
	Disk  string // inside the VM
}

// initScript is the VM's /init (busybox sh): modules, a static address,
// then, on the same disk and from the same server, the pipeline `curl |
// zstd -d | dd` (O_DIRECT, fsync), the agent's install (the engine:
// download, sha256 of the stream, zstd, writes, fsync, read-back verify),
// the pipeline again (the two runs bracket the agent, so a change in the
// host's load between them shows and averages out) and the pipeline's
// read-back with sha256sum, each timed with /proc/uptime and the page
// cache dropped before it. Every result is a "SLIPWAY-BENCH <what> k=v..."
// line.
var initScript = template.Must(template.New("init").Parse(`#!/bin/busybox sh
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=` + libDir + `
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /etc/slipway/modules.order); do insmod "$m"; done
mark() { echo "` + markPrefix + ` $*"; }
fail() { mark "error $*"; poweroff -f; }
up() { read u rest < /proc/uptime; echo "$u"; }
i=0
while [ ! -e /sys/class/net/eth0 ] || [ ! -b {{.Disk}} ]; do
  i=$((i+1)); [ $i -gt 300 ] && fail "no eth0 or {{.Disk}} after 30 s"; sleep 0.1
done
ip link set lo up && ip link set eth0 up && ip addr add {{.CIDR}} dev eth0 || fail "network setup"
i=0
until curl -sf -o /dev/null -r 0-0 {{.URL}}; do
  i=$((i+1)); [ $i -gt 60 ] && fail "{{.URL}} unreachable"; sleep 0.5
done
simd=$(grep -m1 ^flags /proc/cpuinfo | tr ' ' '\n' | grep -x -e ssse3 -e avx2 -e bmi2 -e sha_ni | tr '\n' ,)
mark "ready cpu=$(grep -c ^processor /proc/cpuinfo) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) simd=${simd:-none}"
set -o pipefail

pipeline() {
  sync; echo 3 > /proc/sys/vm/drop_caches
  t0=$(up)
  curl -sS {{.URL}} | zstd -dq | dd of={{.Disk}} bs=4M iflag=fullblock oflag=direct conv=fsync status=none
  rc=$?
  mark "$1 rc=$rc start=$t0 end=$(up)"
}
pipeline pipeline1

sync; echo 3 > /proc/sys/vm/drop_caches
t0=$(up)
slipway-agent install -url {{.URL}} -format raw.zst -sha256 {{.Image.SHA256}} -size {{.Image.Size}} \
  -raw-sha256 {{.Image.RawSHA256}} -raw-size {{.Image.RawSize}} -disk {{.Disk}} -progress 10s
rc=$?
mark "agent rc=$rc start=$t0 end=$(up)"

pipeline pipeline2

t0=$(up)
sum=$(dd if={{.Disk}} bs=4M count={{.Image.RawSize}} iflag=direct,count_bytes status=none | sha256sum)
rc=$?
mark "readback rc=$rc start=$t0 end=$(up) sum=${sum%% *}"
mark done
poweroff -f
`))

func renderInit(tb testing.TB, p scriptParams) string {
	tb.Helper()
	var b strings.Builder
	if err := initScript.Execute(&b, p); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
