package pki

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// loadPair reads a PEM certificate and its PKCS#8 ECDSA key and checks that
// they belong together.
func loadPair(dir, certName, keyName string) (keyPair, error) {
	cert, err := readCert(path(dir, certName))
	if err != nil {
		return keyPair{}, err
	}
	key, err := readKey(path(dir, keyName))
	if err != nil {
		return keyPair{}, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return keyPair{}, fmt.Errorf("%s does not match %s", path(dir, keyName), path(dir, certName))
	}
	return keyPair{cert: cert, key: key}, nil
}

func readCert(p string) (*x509.Certificate, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", p)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return c, nil
}

func readKey(p string) (*ecdsa.PrivateKey, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: permissions %04o let group or others read the key; run chmod 600 %s",
			p, fi.Mode().Perm(), p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM PRIVATE KEY block", p)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New(p + ": not an ECDSA key")
	}
	return ek, nil
}

// savePair writes the key (0600) before the certificate (0644), each
// atomically, so a crash never leaves a certificate without its key.
func savePair(dir, certName, keyName string, kp keyPair) error {
	der, err := x509.MarshalPKCS8PrivateKey(kp.key)
	if err != nil {
		return fmt.Errorf("pki: encode key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeAtomic(path(dir, keyName), keyPEM, 0o600); err != nil {
		return err
	}
	return writeAtomic(path(dir, certName), encodeCert(kp.cert), 0o644)
}

func writeAtomic(p string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*")
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("pki: write %s: %w", p, err)
	}
	return nil
}
