package pki

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func verify(t *testing.T, b *Bundle, name string, at time.Time) error {
	t.Helper()
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(b.CAPEM))
	_, err := b.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: at})
	return err
}

func TestEnsureCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	b, err := Ensure(dir, []string{"slipway.example", "198.18.0.1"}, t0)
	require.NoError(t, err)
	assert.True(t, b.Issued)

	host, err := os.Hostname()
	require.NoError(t, err)
	for _, n := range []string{"slipway.example", "198.18.0.1", host, "localhost", "127.0.0.1", "::1"} {
		assert.NoError(t, verify(t, b, n, t0), n)
	}
	assert.Error(t, verify(t, b, "other.example", t0))
	assert.Equal(t, t0.Add(ServerLifetime), b.Leaf.NotAfter)
	assert.Equal(t, t0.Add(CALifetime), b.CA.NotAfter)
	assert.True(t, b.CA.IsCA)
	assert.Equal(t, "ECDSA", b.Leaf.PublicKeyAlgorithm.String())
	assert.Regexp(t, regexp.MustCompile(`^sha256:[0-9a-f]{64}$`), b.Fingerprint())

	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	for name, perm := range map[string]os.FileMode{
		CACertFile: 0o644, CAKeyFile: 0o600, ServerCertFile: 0o644, ServerKeyFile: 0o600,
	} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, perm, fi.Mode().Perm(), name)
	}
}

func TestEnsureReuses(t *testing.T) {
	dir := t.TempDir()
	first, err := Ensure(dir, nil, t0)
	require.NoError(t, err)
	second, err := Ensure(dir, nil, t0.Add(24*time.Hour))
	require.NoError(t, err)
	assert.False(t, second.Issued)
	assert.Equal(t, first.Fingerprint(), second.Fingerprint())
	assert.Equal(t, first.Leaf.Raw, second.Leaf.Raw)
}

func TestEnsureReissues(t *testing.T) {
	tests := []struct {
		name  string
		hosts []string
		at    time.Time
		prep  func(t *testing.T, dir string)
	}{
		{name: "new host", hosts: []string{"new.example"}, at: t0},
		{name: "less than 30 days left", at: t0.Add(ServerLifetime - RenewBefore + time.Hour)},
		{name: "server key missing", at: t0, prep: func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, ServerKeyFile)))
		}},
		{name: "server cert missing", at: t0, prep: func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, ServerCertFile)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := Ensure(dir, nil, t0)
			require.NoError(t, err)
			if tt.prep != nil {
				tt.prep(t, dir)
			}
			second, err := Ensure(dir, tt.hosts, tt.at)
			require.NoError(t, err)
			assert.True(t, second.Issued)
			assert.Equal(t, first.Fingerprint(), second.Fingerprint(), "the CA is kept")
			assert.NotEqual(t, first.Leaf.Raw, second.Leaf.Raw)
			assert.NoError(t, verify(t, second, "localhost", tt.at))
			for _, h := range tt.hosts {
				assert.NoError(t, verify(t, second, h, tt.at))
			}
		})
	}
}

func TestEnsureRefusesHalfCA(t *testing.T) {
	dir := t.TempDir()
	_, err := Ensure(dir, nil, t0)
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, CAKeyFile)))
	_, err = Ensure(dir, nil, t0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), CAKeyFile)
}

func TestEnsureRefusesReadableCAKey(t *testing.T) {
	dir := t.TempDir()
	_, err := Ensure(dir, nil, t0)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(filepath.Join(dir, CAKeyFile), 0o644))
	_, err = Ensure(dir, nil, t0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chmod 600")
}

// A TLS client that trusts only the CA completes a handshake with the
// bundle's configuration and sees the CA in the presented chain.
func TestTLSHandshake(t *testing.T) {
	b, err := Ensure(t.TempDir(), nil, time.Now())
	require.NoError(t, err)
	cfg := b.TLSConfig()
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)

	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CAPEM)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	chain := conn.ConnectionState().PeerCertificates
	require.Len(t, chain, 2)
	assert.Equal(t, b.Fingerprint(), Fingerprint(chain[1]))
}
