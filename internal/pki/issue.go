package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"slices"
	"time"
)

// keyPair is a certificate and its private key.
type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// ensureCA loads the CA or, when neither file exists, creates it. One file
// without the other is an error: regenerating would silently break every
// client that trusts the old CA.
func ensureCA(dir string, now time.Time) (keyPair, error) {
	kp, err := loadPair(dir, CACertFile, CAKeyFile)
	if errors.Is(err, fs.ErrNotExist) && !exists(path(dir, CACertFile)) && !exists(path(dir, CAKeyFile)) {
		return createCA(dir, now)
	}
	if err != nil {
		return keyPair{}, fmt.Errorf("pki: CA: %w", err)
	}
	if !kp.cert.IsCA {
		return keyPair{}, fmt.Errorf("pki: %s is not a CA certificate", path(dir, CACertFile))
	}
	if now.After(kp.cert.NotAfter) {
		return keyPair{}, fmt.Errorf("pki: CA %s expired on %s; move %s away to create a new one (clients must log in again)",
			path(dir, CACertFile), kp.cert.NotAfter.Format(time.DateOnly), dir)
	}
	return kp, nil
}

func createCA(dir string, now time.Time) (keyPair, error) {
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Slipway CA " + host, Organization: []string{"Slipway"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	kp, err := issue(tmpl, keyPair{})
	if err != nil {
		return keyPair{}, fmt.Errorf("pki: create CA: %w", err)
	}
	return kp, savePair(dir, CACertFile, CAKeyFile, kp)
}

// ensureServer keeps the server certificate while it is signed by ca, holds
// every wanted name and has more than RenewBefore left; otherwise (also when
// its files are missing, unreadable or do not match) it issues a new one:
// nothing trusts the server certificate itself, only the CA.
func ensureServer(dir string, ca keyPair, names []string, now time.Time) (keyPair, bool, error) {
	kp, err := loadPair(dir, ServerCertFile, ServerKeyFile)
	if err == nil && serverUsable(kp.cert, ca.cert, names, now) {
		return kp, false, nil
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0], Organization: []string{"Slipway"}},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(ServerLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if !slices.Contains(tmpl.DNSNames, n) {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if kp, err = issue(tmpl, ca); err != nil {
		return keyPair{}, false, fmt.Errorf("pki: issue server certificate: %w", err)
	}
	return kp, true, savePair(dir, ServerCertFile, ServerKeyFile, kp)
}

func serverUsable(c, ca *x509.Certificate, names []string, now time.Time) bool {
	if c.NotAfter.Sub(now) < RenewBefore || now.Before(c.NotBefore) {
		return false
	}
	if c.CheckSignatureFrom(ca) != nil {
		return false
	}
	for _, n := range names {
		if c.VerifyHostname(n) != nil {
			return false
		}
	}
	return true
}

// issue makes a new P-256 key and a certificate from tmpl signed by parent
// (self-signed when parent has no certificate).
func issue(tmpl *x509.Certificate, parent keyPair) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return keyPair{}, err
	}
	tmpl.SerialNumber = serial
	signer, signerCert := key, tmpl
	if parent.cert != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: cert, key: key}, nil
}
