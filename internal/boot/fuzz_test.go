package boot

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzScriptRequest sends arbitrary paths (a bare string is taken as the
// MAC of /boot/ipxe/<mac>) from arbitrary client addresses through the real
// handler and store: it never panics, and the script endpoint answers
// either a 4xx or a 200 iPXE script; no endpoint answers a 5xx.
func FuzzScriptRequest(f *testing.F) {
	for _, seed := range []struct{ path, client string }{
		{"52:54:00:77:00:02", onLab}, {"52-54-00-77-00-07", onLab}, {"5254.0077.00b1", onDisco},
		{"52:54:00:99:00:11", onDisco}, {"ff:ff:ff:ff:ff:ff", onNone}, {"", onLab},
		{"/boot/ipxe/../../etc/passwd", onLab}, {"/boot/ipxe/%00", "garbage"},
		{"52:54:00:77:00:02:00:00", onLab}, {"/images/../escape", onLab}, {"/images/escape", onLab},
		{"/boot/agent/vmlinuz", onLab}, {"/boot/bin/ipxe.efi", "[::1]:80"}, {"/boot/ipxe//x", onLab},
	} {
		f.Add(seed.path, seed.client)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, path, client string) {
		if !strings.HasPrefix(path, "/") {
			path = "/boot/ipxe/" + path
		}
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, RemoteAddr: client,
			Header: http.Header{}, Host: "boot"}
		r = r.WithContext(t.Context())
		w := httptest.NewRecorder()
		fx.srv.Handler().ServeHTTP(w, r)
		require.Less(t, w.Code, 500, "%q: %s", path, w.Body.String())
		if strings.HasPrefix(path, "/boot/ipxe/") {
			ok := w.Code == http.StatusOK && strings.HasPrefix(w.Body.String(), "#!ipxe\n")
			require.True(t, ok || w.Code >= 400 && w.Code < 500, "%q: %d %s", path, w.Code, w.Body.String())
		}
	})
}
