package cli

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserCreate(t *testing.T) {
	ta := startAppliance(t)
	r := ta.run(t, "a-long-password-1\n", "user", "create", "ana", "--role", "operator", "--password-stdin",
		"--data-dir", ta.dataDir)
	require.NoError(t, r.err, r.stderr)
	assert.Equal(t, "user ana (operator) saved\n", r.stdout)

	for _, tt := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"no stdin flag", "x\n", []string{"--role", "viewer"}, "--password-stdin is required"},
		{"short password", "short\n", []string{"--role", "viewer", "--password-stdin"}, "at least 12"},
		{"bad role", "a-long-password-1\n", []string{"--role", "root", "--password-stdin"}, `role "root"`},
		{"empty stdin", "", []string{"--password-stdin"}, "standard input is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"user", "create", "bob", "--data-dir", ta.dataDir}, tt.args...)
			r := ta.run(t, tt.stdin, args...)
			require.Error(t, r.err)
			assert.Contains(t, r.stderr, tt.want)
		})
	}

	// The user signs in to the running appliance's web UI.
	pem, err := os.ReadFile(ta.caFile())
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(ta.info.URL + "/login")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	require.NotNil(t, tok)
	res, err = c.PostForm(ta.info.URL+"/login", url.Values{"csrf": {string(tok[1])}, "user": {"ana"}, "password": {"a-long-password-1"}})
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the new user signs in")
}
