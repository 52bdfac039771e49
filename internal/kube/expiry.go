package kube

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Expiry is one certificate in a FileSet and when it stops being valid.
type Expiry struct {
	Path     string // the .crt file, or the kubeconfig embedding the certificate
	Subject  string // its common name
	IsCA     bool
	NotAfter time.Time
}

// Expiries lists every certificate in fs (PEM .crt and .pem files and the client
// certificates embedded in kubeconfigs), soonest expiry first.
func Expiries(fs FileSet) ([]Expiry, error) {
	var out []Expiry
	for _, p := range fs.Paths() {
		var certPEMs [][]byte
		switch {
		case strings.HasSuffix(p, ".crt"), strings.HasSuffix(p, ".pem"):
			certPEMs = [][]byte{fs[p].Data}
		case strings.HasSuffix(p, ".conf"):
			c, err := kubeconfigClientCert(fs[p].Data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			if c != nil {
				certPEMs = [][]byte{c}
			}
		}
		for _, data := range certPEMs {
			cert, err := parseCertPEM(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, Expiry{Path: p, Subject: cert.Subject.CommonName, IsCA: cert.IsCA, NotAfter: cert.NotAfter})
		}
	}
	slices.SortStableFunc(out, func(a, b Expiry) int { return a.NotAfter.Compare(b.NotAfter) })
	return out, nil
}

// Expiring lists the certificates of fs that expire within window of now
// (already expired ones included): the appliance warns about them (30 days
// ahead) and offers renewal.
func Expiring(fs FileSet, now time.Time, window time.Duration) ([]Expiry, error) {
	all, err := Expiries(fs)
	if err != nil {
		return nil, err
	}
	limit := now.Add(window)
	var out []Expiry
	for _, e := range all {
		if !e.NotAfter.After(limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

// kubeconfigClientCert returns the first user's client-certificate-data
// (nil for a token user).
func kubeconfigClientCert(data []byte) ([]byte, error) {
	var kc struct {
		Users []struct {
			User struct {
				CertData string `yaml:"client-certificate-data"`
			} `yaml:"user"`
		} `yaml:"users"`
	}
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	for _, u := range kc.Users {
		if u.User.CertData == "" {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(u.User.CertData)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig: client-certificate-data: %w", err)
		}
		return der, nil
	}
	return nil, nil
}
