package boottest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// kubeScript runs on the booted Debian image (runcmd, before phone_home) and
// reports on the serial console, one SLIPWAY-KUBE line per check: the
// binaries' versions, Debian's etcd and keepalived units not started by the
// image, containerd's root a tmpfs; then it starts containerd with its
// default config, imports the preloaded archives as
// slipway-preload-images.service does, and runs the probe image twice
// (runc, overlayfs snapshotter): a server, and a client that fetches it.
const kubeScript = `
exec >/dev/ttyS0 2>&1
k() { echo "SLIPWAY-KUBE $*"; }
k "kubelet: $(/usr/local/bin/kubelet --version)"
k "containerd: $(/usr/local/bin/containerd --version)"
k "etcd: $(systemctl is-enabled etcd.service) $(systemctl is-active etcd.service) $(/usr/bin/etcd --version | head -n1)"
k "keepalived: $(systemctl is-enabled keepalived.service) $(systemctl is-active keepalived.service)"
k "containerd-root: $(findmnt -n -o FSTYPE /var/lib/containerd)"
grep -h WARNING /var/log/cloud-init.log | sed 's/^/SLIPWAY-CLOUD-INIT-WARNING /'
/usr/local/bin/containerd >/run/containerd.log 2>&1 &
for i in $(seq 60); do /usr/local/bin/ctr version >/dev/null 2>&1 && break; sleep 1; done
for f in /usr/local/share/slipway/images/*.tar; do /usr/local/bin/ctr -n k8s.io images import "$f" >/dev/null; done
k "images: $(/usr/local/bin/ctr -n k8s.io images ls -q | grep -v '^sha256:' | sort | tr '\n' ' ')"
timeout 60 /usr/local/bin/ctr -n k8s.io run -d --null-io --net-host slipway.dev/probe:v1 probe-serve
k "probe: $(timeout 90 /usr/local/bin/ctr -n k8s.io run --rm --net-host slipway.dev/probe:v1 probe-get /probe get http://127.0.0.1:8080/)"
tail -n 5 /run/containerd.log | sed 's/^/SLIPWAY-CONTAINERD /'
`

// checkKube asserts the lines kubeScript printed on host's serial console.
func checkKube(t *testing.T, serial, host string) {
	t.Helper()
	for _, want := range []string{
		`SLIPWAY-KUBE kubelet: Kubernetes v1\.37\.2`,
		`SLIPWAY-KUBE containerd: containerd \S+ v2\.2\.0 `,
		`SLIPWAY-KUBE etcd: disabled inactive etcd Version: 3\.`,
		`SLIPWAY-KUBE keepalived: disabled inactive`,
		`SLIPWAY-KUBE containerd-root: tmpfs`,
		`SLIPWAY-KUBE images: registry\.k8s\.io/pause:3\.10 slipway\.dev/probe:v1 `,
		`SLIPWAY-KUBE probe: probe ` + regexp.QuoteMeta(host),
	} {
		assert.Regexp(t, want, serial)
	}
	assert.NotContains(t, serial, "SLIPWAY-CLOUD-INIT-WARNING", "cloud-init accepts the image's config (no locale schema warning)")
}

// TestUserDataScript: the script arrives as one runcmd item, verbatim.
func TestUserDataScript(t *testing.T) {
	var ud struct {
		PhoneHome map[string]any `json:"phone_home"`
		RunCmd    []string       `json:"runcmd"`
	}
	s := seed{URL: "http://198.18.0.1:8080/x", Script: kubeScript}
	require.NoError(t, yaml.Unmarshal([]byte(s.userData()), &ud))
	assert.Equal(t, "http://198.18.0.1:8080/x", ud.PhoneHome["url"])
	require.Len(t, ud.RunCmd, 1)
	assert.Equal(t, strings.TrimSpace(kubeScript)+"\n", ud.RunCmd[0])
	assert.NotContains(t, seed{URL: "u"}.userData(), "runcmd", "no script, no runcmd (the tiny image's parser)")
}
