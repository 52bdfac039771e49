package kube

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"
)

// Paths of kubeadm's layout.
const (
	KubeDir = "/etc/kubernetes"
	PKIDir  = KubeDir + "/pki"
)

// ClusterPKI is a cluster's long-lived identity: its three CAs and the
// service-account signing key. The appliance creates it once per cluster,
// keeps Files() encrypted, and issues every node's certificates from it.
type ClusterPKI struct {
	CA             CA // signs the apiserver, kubelet and client certificates
	FrontProxyCA   CA // signs the aggregation layer's client certificate
	EtcdCA         CA // signs etcd's server, peer and client certificates
	ServiceAccount crypto.Signer
}

// NewClusterPKI creates the CAs (CNs as kubeadm names them) and an ECDSA
// P-256 service-account key.
func NewClusterPKI(now time.Time) (*ClusterPKI, error) {
	var p ClusterPKI
	var err error
	if p.CA, err = newCA("kubernetes", now); err != nil {
		return nil, err
	}
	if p.FrontProxyCA, err = newCA("front-proxy-ca", now); err != nil {
		return nil, err
	}
	if p.EtcdCA, err = newCA("etcd-ca", now); err != nil {
		return nil, err
	}
	if p.ServiceAccount, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("service-account key: %w", err)
	}
	return &p, nil
}

// caFiles maps each CA to its base path (kubeadm's names, without .crt/.key).
func (p *ClusterPKI) caFiles() []struct {
	base string
	ca   *CA
} {
	return []struct {
		base string
		ca   *CA
	}{
		{PKIDir + "/ca", &p.CA},
		{PKIDir + "/front-proxy-ca", &p.FrontProxyCA},
		{PKIDir + "/etcd/ca", &p.EtcdCA},
	}
}

// Files returns the cluster's secrets in kubeadm's layout: the CAs'
// certificates and keys and sa.key/sa.pub. It is what the appliance stores
// (encrypted) and reloads with LoadClusterPKI.
func (p *ClusterPKI) Files() (FileSet, error) {
	fs := FileSet{}
	for _, c := range p.caFiles() {
		key, err := keyPEM(c.ca.Key)
		if err != nil {
			return nil, fmt.Errorf("%s.key: %w", c.base, err)
		}
		fs.add(c.base+".crt", certPEM(c.ca.Cert), modePublic)
		fs.add(c.base+".key", key, modePrivate)
	}
	if err := p.addServiceAccount(fs, true); err != nil {
		return nil, err
	}
	return fs, nil
}

func (p *ClusterPKI) addServiceAccount(fs FileSet, private bool) error {
	pub, err := publicKeyPEM(p.ServiceAccount.Public())
	if err != nil {
		return fmt.Errorf("%s/sa.pub: %w", PKIDir, err)
	}
	fs.add(PKIDir+"/sa.pub", pub, modePublic)
	if private {
		key, err := keyPEM(p.ServiceAccount)
		if err != nil {
			return fmt.Errorf("%s/sa.key: %w", PKIDir, err)
		}
		fs.add(PKIDir+"/sa.key", key, modePrivate)
	}
	return nil
}

// LoadClusterPKI reads back what Files returned, checking that each key
// belongs to its certificate and that the certificates are CAs.
func LoadClusterPKI(fs FileSet) (*ClusterPKI, error) {
	var p ClusterPKI
	for _, c := range p.caFiles() {
		ca, err := loadCA(fs, c.base)
		if err != nil {
			return nil, err
		}
		*c.ca = ca
	}
	f, ok := fs[PKIDir+"/sa.key"]
	if !ok {
		return nil, fmt.Errorf("%s/sa.key: missing", PKIDir)
	}
	key, err := parseKeyPEM(f.Data)
	if err != nil {
		return nil, fmt.Errorf("%s/sa.key: %w", PKIDir, err)
	}
	p.ServiceAccount = key
	return &p, nil
}

func loadCA(fs FileSet, base string) (CA, error) {
	cf, ok := fs[base+".crt"]
	if !ok {
		return CA{}, fmt.Errorf("%s.crt: missing", base)
	}
	kf, ok := fs[base+".key"]
	if !ok {
		return CA{}, fmt.Errorf("%s.key: missing", base)
	}
	cert, err := parseCertPEM(cf.Data)
	if err != nil {
		return CA{}, fmt.Errorf("%s.crt: %w", base, err)
	}
	if !cert.IsCA {
		return CA{}, fmt.Errorf("%s.crt: not a CA certificate", base)
	}
	key, err := parseKeyPEM(kf.Data)
	if err != nil {
		return CA{}, fmt.Errorf("%s.key: %w", base, err)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return CA{}, fmt.Errorf("%s.key does not match %s.crt", base, base)
	}
	return CA{Cert: cert, Key: key}, nil
}

// String names the CA without its key.
func (ca CA) String() string {
	if ca.Cert == nil {
		return "CA{}"
	}
	return fmt.Sprintf("CA{%s until %s}", ca.Cert.Subject.CommonName, ca.Cert.NotAfter.Format(time.DateOnly))
}

// GoString is String: %#v must not print the key either.
func (ca CA) GoString() string { return ca.String() }

// LogValue logs the CA's name and expiry only.
func (ca CA) LogValue() slog.Value { return slog.StringValue(ca.String()) }

// String names the CAs, never a key.
func (p *ClusterPKI) String() string {
	return fmt.Sprintf("ClusterPKI{%v, %v, %v, service-account key}", p.CA, p.FrontProxyCA, p.EtcdCA)
}

// GoString is String.
func (p *ClusterPKI) GoString() string { return p.String() }

// LogValue logs String.
func (p *ClusterPKI) LogValue() slog.Value { return slog.StringValue(p.String()) }
