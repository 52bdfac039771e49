// Package pki keeps the appliance's own certificate authority and HTTPS
// server certificate in the data directory (pki/ca.crt, ca.key, server.crt,
// server.key; ECDSA P-256; keys 0600). The CA is made once and kept; the
// server certificate is reissued when it lacks a wanted name or nears expiry.
package pki

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lifetimes and the renewal margin.
const (
	CALifetime     = 10 * 365 * 24 * time.Hour
	ServerLifetime = 365 * 24 * time.Hour
	RenewBefore    = 30 * 24 * time.Hour
)

// File names inside the pki directory.
const (
	CACertFile     = "ca.crt"
	CAKeyFile      = "ca.key"
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
)

// Bundle is the appliance's TLS material.
type Bundle struct {
	// CA is the appliance CA; CAPEM its PEM encoding (what clients trust).
	CA    *x509.Certificate
	CAPEM []byte
	// Server is the server certificate with its key; its chain includes the
	// CA so that a client can pin the CA by fingerprint on first contact.
	Server tls.Certificate
	// Leaf is the parsed server certificate.
	Leaf *x509.Certificate
	// Issued reports whether Ensure (re)issued the server certificate.
	Issued bool
}

// Fingerprint returns "sha256:<hex>" of the CA certificate.
func (b *Bundle) Fingerprint() string { return Fingerprint(b.CA) }

// TLSConfig returns a server configuration (TLS 1.2 or later) that presents
// the server certificate and its chain.
func (b *Bundle) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{b.Server},
	}
}

// Fingerprint returns "sha256:<hex>" of a certificate's DER encoding.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Ensure loads or creates the CA and the server certificate in dir. hosts are
// extra names or IP addresses for the server certificate; the host name,
// localhost, 127.0.0.1 and ::1 are always included. now is the clock.
func Ensure(dir string, hosts []string, now time.Time) (*Bundle, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	ca, err := ensureCA(dir, now)
	if err != nil {
		return nil, err
	}
	names := wantedNames(hosts)
	srv, issued, err := ensureServer(dir, ca, names, now)
	if err != nil {
		return nil, err
	}
	chain := tls.Certificate{
		Certificate: [][]byte{srv.cert.Raw, ca.cert.Raw},
		PrivateKey:  srv.key,
		Leaf:        srv.cert,
	}
	return &Bundle{CA: ca.cert, CAPEM: encodeCert(ca.cert), Server: chain, Leaf: srv.cert, Issued: issued}, nil
}

// wantedNames is the server certificate's subject alternative names.
func wantedNames(hosts []string) []string {
	names := append([]string{}, hosts...)
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	return append(names, "localhost", "127.0.0.1", "::1")
}

func path(dir, name string) string { return filepath.Join(dir, name) }
