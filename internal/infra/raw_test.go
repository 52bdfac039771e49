package infra_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

// rawRequest sends one request with the admin token as Basic auth (as
// Terraform's http backend does) and returns the status.
func rawRequest(t *testing.T, a *acctest.Appliance, method, path, body string) int {
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(a.CAPEM))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, err := http.NewRequestWithContext(t.Context(), method, a.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth("anyone", a.Token)
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}
