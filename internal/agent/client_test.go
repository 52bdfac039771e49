package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCA is a CA and a leaf it signed for 127.0.0.1.
type testCA struct {
	ca   *x509.Certificate
	leaf tls.Certificate
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "appliance"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("198.18.0.1")}, // not the address the test dials
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	require.NoError(t, err)
	return testCA{ca: ca, leaf: tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}}
}

func (c testCA) pin() [32]byte { return sha256.Sum256(c.ca.Raw) }

// fakeAppliance is a fake of the appliance's four agent endpoints.
type fakeAppliance struct {
	srv       *httptest.Server
	claims    atomic.Int32
	progress  atomic.Int32
	failFirst atomic.Int32 // answer 503 to this many requests first
	inventory Inventory
	result    Result
}

func newFakeAppliance(t *testing.T, cert tls.Certificate) *fakeAppliance {
	f := &fakeAppliance{}
	mux := http.NewServeMux()
	session := SessionPrefix + "s1"
	authed := func(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if f.failFirst.Add(-1) >= 0 {
				http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
				return
			}
			if r.URL.Path != PathClaim && r.Header.Get("Authorization") != "Bearer "+session {
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(Error{Error: "no session"})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("POST "+PathClaim, authed(func(w http.ResponseWriter, r *http.Request) {
		var req ClaimRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Token != "bt_good" || f.claims.Add(1) > 1 {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(Error{Error: "boot token already used", Field: "token"})
			return
		}
		_ = json.NewEncoder(w).Encode(ClaimResponse{Session: session, Machine: req.Machine})
	}))
	mux.HandleFunc("POST "+PathInventory, authed(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&f.inventory)
		_ = json.NewEncoder(w).Encode(Task{Action: ActionWipe})
	}))
	mux.HandleFunc("POST "+PathProgress, authed(func(w http.ResponseWriter, r *http.Request) {
		f.progress.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST "+PathResult, authed(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&f.result)
		_ = json.NewEncoder(w).Encode(Task{Action: ActionPowerOff})
	}))
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func fastClient(url string, pin [32]byte) *Client {
	return NewClient(ClientConfig{URL: url, CA: pin, Attempts: 3, Backoff: time.Millisecond, Timeout: 5 * time.Second})
}

func TestClientFlow(t *testing.T) {
	ca := newTestCA(t, "slipway CA")
	f := newFakeAppliance(t, ca.leaf)
	c := fastClient(f.srv.URL+"/", ca.pin())
	ctx := context.Background()

	resp, err := c.Claim(ctx, ClaimRequest{Token: "bt_good", MAC: "52:54:00:00:00:01", Machine: "r1"})
	require.NoError(t, err)
	assert.Equal(t, "r1", resp.Machine)
	assert.Equal(t, SessionPrefix+"s1", c.Session())

	task, err := c.Inventory(ctx, Inventory{Firmware: "uefi", MemoryBytes: 1 << 30})
	require.NoError(t, err)
	assert.Equal(t, ActionWipe, task.Action)
	assert.Equal(t, "uefi", f.inventory.Firmware)

	require.NoError(t, c.Progress(ctx, Progress{Phase: PhaseWipe}))
	assert.Equal(t, int32(1), f.progress.Load())

	f.failFirst.Store(2) // two 503s, then the answer: retried
	task, err = c.Result(ctx, Result{Action: ActionWipe, OK: true})
	require.NoError(t, err)
	assert.Equal(t, ActionPowerOff, task.Action)
	assert.True(t, f.result.OK)

	// A 4xx is not retried and carries the appliance's error.
	_, err = c.Claim(ctx, ClaimRequest{Token: "bt_good"})
	var api *APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusForbidden, api.Status)
	assert.Equal(t, "token", api.Body.Field)
	assert.Equal(t, int32(2), f.claims.Load(), "a 4xx is not retried")

	// 5xx on every attempt: the last error is returned after Attempts tries.
	f.failFirst.Store(10)
	_, err = c.Inventory(ctx, Inventory{})
	require.ErrorAs(t, err, &api)
	assert.Equal(t, http.StatusServiceUnavailable, api.Status)
	assert.Equal(t, int32(7), f.failFirst.Load(), "three attempts")
}

func TestClientPinning(t *testing.T) {
	ca := newTestCA(t, "slipway CA")
	other := newTestCA(t, "other CA")
	for _, tc := range []struct {
		name string
		cert tls.Certificate
		pin  [32]byte
		want string
	}{
		{"pinned", ca.leaf, ca.pin(), ""},
		{"wrong pin", ca.leaf, other.pin(), "no certificate in the server's chain has the pinned CA"},
		// the chain carries the pinned CA, but another CA signed the leaf
		{"leaf not signed by pin", tls.Certificate{
			Certificate: [][]byte{other.leaf.Certificate[0], ca.ca.Raw}, PrivateKey: other.leaf.PrivateKey,
		}, ca.pin(), "does not verify against the pinned CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAppliance(t, tc.cert)
			_, err := fastClient(f.srv.URL, tc.pin).Claim(context.Background(), ClaimRequest{Token: "bt_good"})
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Zero(t, f.claims.Load(), "no request reached the server")
		})
	}
}

func TestClientTimeout(t *testing.T) {
	ca := newTestCA(t, "slipway CA")
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := NewClient(ClientConfig{URL: srv.URL, CA: ca.pin(), Attempts: 2, Backoff: time.Millisecond, Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := c.Inventory(context.Background(), Inventory{})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
}
