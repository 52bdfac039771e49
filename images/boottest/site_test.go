package boottest

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/test/netns"
)

const (
	bridge     = "slwimg0"
	serverAddr = "198.18.0.1"
	phonePath  = "/boot/phone-home/"
)

// phoneHome is one POST the test server received.
type phoneHome struct {
	Token string
	Form  url.Values
	At    time.Time
}

// site is the boot network: a namespace with a bridge at 198.18.0.1/24,
// a DHCP server (busybox udhcpd) and the phone-home HTTP server (this
// process, listening inside the namespace).
type site struct {
	srv   *netns.Host
	posts chan phoneHome
}

func newSite(t *testing.T) *site {
	t.Helper()
	lab := netns.New(t)
	s := &site{srv: lab.Host("srv"), posts: make(chan phoneHome, 16)}
	for _, args := range [][]string{
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", serverAddr + "/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		out, err := s.srv.Run(t.Context(), "ip", args...)
		require.NoError(t, err, out)
	}
	s.startDHCP(t)
	s.startHTTP(t)
	return s
}

func (s *site) startDHCP(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "udhcpd.conf")
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, `start 198.18.0.100
end 198.18.0.150
interface %s
lease_file %s/leases
option subnet 255.255.255.0
option router %s
option lease 3600
`, bridge, dir, serverAddr), 0o644))
	s.srv.Start(t, "busybox", "udhcpd", "-f", conf)
}

func (s *site) startHTTP(t *testing.T) {
	var ln net.Listener
	require.NoError(t, s.srv.Do(func() (err error) {
		ln, err = net.Listen("tcp4", serverAddr+":8080")
		return err
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+phonePath+"{token}", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case s.posts <- phoneHome{Token: r.PathValue("token"), Form: r.PostForm, At: time.Now()}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
}

// url is the phone-home url for token, as the appliance renders it.
func (s *site) url(token string) string {
	return "http://" + serverAddr + ":8080" + phonePath + token
}

// waitPhoneHome returns the next POST, failing t when none arrives before
// the timeout, when the machine stops first or when its serial console
// matches giveUp (nil: never).
func (s *site) waitPhoneHome(t *testing.T, m *running, timeout time.Duration, giveUp *regexp.Regexp) phoneHome {
	t.Helper()
	deadline := time.After(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case p := <-s.posts:
			return p
		case <-m.proc.Exited():
			t.Fatalf("%s: QEMU exited before phoning home\nQEMU: %s\nserial (tail):\n%s", m.Name, m.proc.Output(), m.tail())
		case <-deadline:
			t.Fatalf("%s: no phone-home POST after %s\nserial (tail):\n%s", m.Name, timeout, m.tail())
		case <-tick.C:
			if giveUp != nil && giveUp.MatchString(m.log()) {
				t.Fatalf("%s: gave up phoning home (%q)\nserial (tail):\n%s", m.Name, giveUp, m.tail())
			}
		}
	}
}
