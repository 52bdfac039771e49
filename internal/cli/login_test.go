package cli

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
)

func rawClient(caPEM []byte) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

func TestLogin(t *testing.T) {
	ta := startAppliance(t)
	fp := ta.info.CAFingerprint
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"ca file", []string{"--ca-file", ta.caFile()}, ""},
		{"fingerprint", []string{"--ca-fingerprint", fp}, ""},
		{"fingerprint upper case with colons", []string{"--ca-fingerprint", "SHA256:" + colons(strings.ToUpper(strings.TrimPrefix(fp, "sha256:")))}, ""},
		{"wrong fingerprint", []string{"--ca-fingerprint", "sha256:" + strings.Repeat("ab", 32)}, "no CA with fingerprint"},
		{"malformed fingerprint", []string{"--ca-fingerprint", "md5:00"}, "want sha256:<64 hex digits>"},
		{"system roots do not know the appliance CA", nil, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(ta.clientConfig())
			args := append([]string{"login", "--server", ta.info.URL, "--token-file", ta.tokenFile()}, tt.args...)
			r := ta.run(t, "", args...)
			if tt.wantErr != "" {
				require.Error(t, r.err)
				assert.Contains(t, r.stderr, tt.wantErr)
				assert.NoFileExists(t, ta.clientConfig())
				return
			}
			require.NoError(t, r.err, r.stderr)
			assert.Equal(t, "Logged in to "+ta.info.URL+" as token:admin (admin). Client config: "+ta.clientConfig()+"\n", r.stdout)
			fi, err := os.Stat(ta.clientConfig())
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			cfg, err := api.LoadClientConfig(ta.clientConfig(), nil)
			require.NoError(t, err)
			assert.Equal(t, string(ta.info.CAPEM), cfg.CAData)
			r = ta.run(t, "", "get", "machines")
			require.NoError(t, r.err, r.stderr)
		})
	}
}

func colons(hex string) string {
	var parts []string
	for i := 0; i < len(hex); i += 2 {
		parts = append(parts, hex[i:i+2])
	}
	return strings.Join(parts, ":")
}

func TestLoginBadToken(t *testing.T) {
	ta := startAppliance(t)
	tf := t.TempDir() + "/bad.token"
	require.NoError(t, os.WriteFile(tf, []byte("slw_nope_nope\n"), 0o600))
	r := ta.run(t, "", "login", "--server", ta.info.URL, "--token-file", tf, "--ca-file", ta.caFile())
	assert.Equal(t, 1, r.code())
	assert.Contains(t, r.stderr, "error: login "+ta.info.URL+": ")
	assert.NoFileExists(t, ta.clientConfig())
}
