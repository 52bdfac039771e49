package boot

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// runServer serves f's boot server on a loopback port until the test ends
// and returns its base URL.
func runServer(t *testing.T, f *fixture) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.srv.listener = l
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("boot server did not stop")
		}
	})
	return "http://" + l.Addr().String()
}

// curl runs curl and returns "<status> <bytes>" plus the body file.
func curl(t *testing.T, args ...string) (status string, body []byte) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed (make deps)")
	}
	out := filepath.Join(t.TempDir(), "body")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	args = append([]string{"-sS", "-o", out, "-w", "%{http_code}"}, args...)
	b, err := exec.CommandContext(ctx, "curl", args...).CombinedOutput()
	require.NoError(t, err, string(b))
	body, _ = os.ReadFile(out)
	return string(b), body
}

func TestImagesWithCurl(t *testing.T) {
	f := newFixture(t)
	base := runServer(t, f)
	img, err := os.ReadFile(filepath.Join(f.images, "edge-os-1.4.raw"))
	require.NoError(t, err)
	url := base + "/images/edge-os-1.4.raw"

	code, body := curl(t, url)
	assert.Equal(t, "200", code)
	assert.Equal(t, img, body)

	code, body = curl(t, "-r", "100-1123", url)
	assert.Equal(t, "206", code)
	assert.Equal(t, img[100:1124], body)

	code, body = curl(t, "-r", "-10", url)
	assert.Equal(t, "206", code, "suffix range")
	assert.Equal(t, img[len(img)-10:], body)

	code, body = curl(t, "-r", "1048000-", url)
	assert.Equal(t, "206", code, "open range")
	assert.Equal(t, img[1048000:], body)

	code, body = curl(t, "-r", "0-1,10-11", url)
	assert.Equal(t, "206", code, "multipart")
	assert.Contains(t, string(body), "Content-Range: bytes 10-11/1048576")

	for _, r := range []string{"2000000-3000000", "1048576-"} {
		code, _ = curl(t, "-r", r, url)
		assert.Equal(t, "416", code, r)
	}
	code, _ = curl(t, "-I", url)
	assert.Equal(t, "200", code)

	for _, p := range []string{"/images/../secret", "/images/escape", "/images/%2e%2e/secret", "/images/nope", "/images/"} {
		code, _ = curl(t, "--path-as-is", base+p)
		assert.Equal(t, "404", code, p)
	}
	code, _ = curl(t, "-X", "POST", "--data", "x", url)
	assert.Equal(t, "405", code)
	code, _ = curl(t, "-X", "GET", "--data", "x", url)
	assert.Equal(t, "400", code, "no request body")
}

func TestAgentFilesRecorded(t *testing.T) {
	f := newFixture(t)
	base := runServer(t, f)
	code, body := curl(t, base+"/boot/agent/vmlinuz?mac=52:54:00:77:00:02")
	require.Equal(t, "200", code)
	assert.Len(t, body, 300_000)
	code, _ = curl(t, base+"/boot/agent/initrd?mac=52:54:00:77:00:02")
	require.Equal(t, "200", code)
	code, _ = curl(t, base+"/boot/agent/initrd") // no machine: served, not recorded
	require.Equal(t, "200", code)
	code, _ = curl(t, base+"/boot/agent/secret")
	assert.Equal(t, "404", code)

	for ev, size := range map[string]int64{"boot.kernel": 300_000, "boot.initrd": 700_000} {
		// The event is written after the last byte went out: poll for it.
		var evs []store.Event
		require.Eventually(t, func() bool {
			evs = f.events(t, "r1-u02", ev)
			return len(evs) > 0
		}, 5*time.Second, 10*time.Millisecond, ev)
		require.Len(t, evs, 1, ev)
		var data struct{ Bytes, Size int64 }
		require.NoError(t, json.Unmarshal(evs[0].Data, &data))
		assert.Equal(t, size, data.Bytes, ev)
		assert.Equal(t, size, data.Size, ev)
	}
	code, _ = curl(t, base+"/boot/bin/ipxe.efi")
	assert.Equal(t, "200", code)
}

func TestHeaderLimit(t *testing.T) {
	f := newFixture(t)
	base := runServer(t, f)
	code, _ := curl(t, "-H", "X-Big: "+strings.Repeat("a", 64<<10), base+"/boot/bin/ipxe.efi")
	assert.Equal(t, "431", code)
}
