package boot

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/store"
)

// TestScripts renders every variant through the real handler and store and
// compares it with its golden file (the boot token is masked).
func TestScripts(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		golden, mac, client string
		variant             Variant
		event               string // type recorded on the machine ("" for none)
	}{
		{"inspecting", "52:54:00:77:00:01", onLab, VariantAgent, "boot.script"},
		{"provisioning", "52-54-00-77-00-02", onLab, VariantAgent, "boot.script"},
		{"discovered-discovery-on", "52:54:00:77:00:B1", onDisco, VariantAgent, "boot.script"},
		{"discovered-discovery-off", "52:54:00:77:00:b1", onLab, VariantDeny, "boot.denied"},
		{"provisioned", "52:54:00:77:00:03", onLab, VariantDisk, "boot.script"},
		{"booting", "52:54:00:77:00:04", onLab, VariantDisk, "boot.script"},
		{"joining", "52:54:00:77:00:05", onLab, VariantDisk, "boot.script"},
		{"active", "5254.0077.0006", onLab, VariantDisk, "boot.script"},
		{"maintenance", "52:54:00:77:00:07", onLab, VariantDeny, "boot.denied"},
		{"registered", "52:54:00:77:00:08", onLab, VariantDeny, "boot.denied"},
		{"ready", "52:54:00:77:00:09", onLab, VariantDeny, "boot.denied"},
		{"failed", "52:54:00:77:00:0a", onLab, VariantDeny, "boot.denied"},
		{"unknown-discovery-off", "52:54:00:99:00:10", onLab, VariantDeny, ""},
		{"unknown-discovery-on", "52:54:00:99:00:11", onDisco, VariantWait, ""},
		{"unknown-no-network", "52:54:00:99:00:12", onNone, VariantDeny, ""},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			w := f.get(t, "/boot/ipxe/"+tt.mac, tt.client)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			body := w.Body.Bytes()
			require.True(t, strings.HasPrefix(string(body), "#!ipxe\n"))
			golden(t, tt.golden, tokenRE.ReplaceAll(body, []byte("slwb_TOKEN")))
			assert.Equal(t, tt.variant == VariantAgent, tokenRE.Match(body), "a token only in agent scripts")
			if tt.event == "" {
				return
			}
			m := machineByMAC(t, f, tt.mac)
			evs := f.events(t, m.Name, tt.event)
			require.NotEmpty(t, evs)
			last := evs[len(evs)-1]
			if tt.event == "boot.script" {
				assert.Equal(t, string(tt.variant), last.Reason)
			} else {
				assert.NotEmpty(t, last.Message)
			}
		})
	}
}

func machineByMAC(t *testing.T, f *fixture, mac string) store.Machine {
	t.Helper()
	mac, err := ParseMAC(mac)
	require.NoError(t, err)
	var m store.Machine
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		m, err = tx.GetMachineByMAC(mac)
		return err
	}))
	return m
}

// TestBootTokenIssued checks a provisioning script's token is stored only
// as a hash, bound to the machine, and can be claimed once.
func TestBootTokenIssued(t *testing.T) {
	f := newFixture(t)
	body := f.get(t, "/boot/ipxe/52:54:00:77:00:02", onLab).Body.String()
	token := tokenRE.FindString(body)
	require.NotEmpty(t, token)
	assert.Contains(t, body, "slipway.token="+token+" ")
	assert.Contains(t, body, "slipway.url="+apiURL+" ")
	assert.Contains(t, body, "slipway.ca="+caPrint+" ")

	var toks []store.BootToken
	require.NoError(t, f.db.View(t.Context(), func(tx *store.Tx) (err error) {
		toks, err = tx.ListBootTokens("r1-u02")
		return err
	}))
	require.Len(t, toks, 1)
	assert.Equal(t, HashToken(token), toks[0].Hash)
	assert.Equal(t, DefaultTokenTTL, toks[0].ExpiresAt.Sub(toks[0].CreatedAt))

	claim := func() error {
		return f.db.Update(t.Context(), func(tx *store.Tx) error {
			bt, err := tx.ClaimBootToken(HashToken(token))
			if err == nil {
				assert.Equal(t, "r1-u02", bt.Machine)
			}
			return err
		})
	}
	require.NoError(t, claim())
	require.ErrorIs(t, claim(), store.ErrConflict)

	second := tokenRE.FindString(f.get(t, "/boot/ipxe/52:54:00:77:00:02", onLab).Body.String())
	assert.NotEqual(t, token, second, "every script gets a new token")
}

// TestUnknownMACEvents checks denials of unknown MACs are appliance-wide
// events, at most one per MAC per minute.
func TestUnknownMACEvents(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		require.Equal(t, http.StatusOK, f.get(t, "/boot/ipxe/52:54:00:99:00:10", onLab).Code)
	}
	evs := f.events(t, "", "boot.denied")
	require.Len(t, evs, 1)
	assert.Equal(t, "52:54:00:99:00:10 is not in the inventory and network lab has discovery off", evs[0].Message)
	assert.Empty(t, evs[0].Machine)
}

func TestScriptBadRequests(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/boot/ipxe/", "/boot/ipxe/nope", "/boot/ipxe/52:54:00:77:00", "/boot/ipxe/52:54:00:77:00:01:02:03",
		"/boot/ipxe/52:54:00:77:00:01/x", "/boot/ipxe/" + strings.Repeat("a", 5000)} {
		w := f.get(t, path, onLab)
		assert.Equal(t, http.StatusBadRequest, w.Code, path)
	}
	r := f.get(t, "/elsewhere", onLab)
	assert.Equal(t, http.StatusNotFound, r.Code)
}

func TestSafe(t *testing.T) {
	assert.Equal(t, "a _ __evil_ __ reboot_ x", safe("a | ${evil} && reboot\" x"))
	assert.Equal(t, "line one line two", safe("line one\nline two"))
	assert.Equal(t, "caf_", safe("café"), "one _ per rune")
	assert.Len(t, safe(strings.Repeat("x", 1000)), maxValue)
}

// TestBaseURLFromHost: without an advertised URL, a script points back to
// the address the machine asked, and the agent to the API on that host.
func TestBaseURLFromHost(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.AdvertiseURL, f.srv.cfg.APIURL, f.srv.cfg.APIPort = "", "", "8443"
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://198.18.7.1:8080/boot/ipxe/52:54:00:77:00:02", nil)
	r.RemoteAddr = onLab
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "kernel http://198.18.7.1:8080/boot/agent/vmlinuz?mac=52:54:00:77:00:02 ")
	assert.Contains(t, w.Body.String(), "slipway.url=https://198.18.7.1:8443 ")

	r.Host = "evil$host"
	w = httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	assert.Equal(t, http.StatusBadRequest, w.Code)
}
