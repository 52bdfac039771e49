// Package fleet is the fleet registry and exporters: it tells fleet
// managers (Argo CD, Cluster API) how to reach the workload clusters
// Slipway built, by writing each cluster's registration as the Secret the
// manager reads from its own (management) cluster.
package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
)

// Registration is what a fleet manager needs to reach one workload cluster:
// its API URL, the CA that signs the API's serving certificate, and a client
// certificate and key the manager authenticates with (all PEM).
type Registration struct {
	Cluster  string            // the cluster's name, a DNS label
	Fleet    string            // the fleet it belongs to, a DNS label (optional)
	Server   string            // https://host:port of the cluster's API
	CAData   []byte            // PEM certificates trusted for Server
	CertData []byte            // PEM client certificate
	KeyData  []byte            // PEM private key of CertData
	Labels   map[string]string // extra labels on the exported objects
}

// Exporter writes registrations into a management cluster for one kind of
// fleet manager. Apply creates or updates (server-side apply); Remove
// deletes what Apply wrote for cluster and is a no-op when it is gone.
type Exporter interface {
	Name() string
	Apply(ctx context.Context, c kubernetes.Interface, r Registration) error
	Remove(ctx context.Context, c kubernetes.Interface, cluster string) error
}

// Labels every exported object carries (besides the manager's own).
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelCluster   = "slipway.dev/cluster"
	LabelFleet     = "slipway.dev/fleet"
	ManagedBy      = "slipway" // LabelManagedBy's value, and the apply field manager
)

// exportReserved are label keys Registration.Labels may not set: the
// exporters set them.
var exportReserved = []string{LabelManagedBy, labelArgoSecretType, labelCAPICluster}

// Validate checks every field and names the first that is wrong.
func (r Registration) Validate() error {
	if errs := validation.IsDNS1123Label(r.Cluster); len(errs) > 0 {
		return fmt.Errorf("registration.cluster %q: want a DNS label: %s", r.Cluster, strings.Join(errs, "; "))
	}
	if r.Fleet != "" {
		if errs := validation.IsDNS1123Label(r.Fleet); len(errs) > 0 {
			return fmt.Errorf("registration.fleet %q: want a DNS label: %s", r.Fleet, strings.Join(errs, "; "))
		}
	}
	if err := exportValidServer(r.Server); err != nil {
		return fmt.Errorf("registration.server %q: %w", r.Server, err)
	}
	if err := exportValidCAs(r.CAData); err != nil {
		return fmt.Errorf("registration.caData: %w", err)
	}
	if _, err := tls.X509KeyPair(r.CertData, r.KeyData); err != nil {
		if _, cerr := exportParseCert(r.CertData); cerr != nil {
			return fmt.Errorf("registration.certData: %w", cerr)
		}
		return fmt.Errorf("registration.keyData: %w", err)
	}
	return exportValidLabels(r.Labels)
}

func exportValidServer(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "https":
		return fmt.Errorf("want an https:// URL")
	case u.Hostname() == "":
		return fmt.Errorf("no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("want no user, query or fragment")
	}
	return nil
}

// exportValidCAs wants one or more PEM CERTIFICATE blocks, each a CA.
func exportValidCAs(data []byte) error {
	n := 0
	for rest := data; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("PEM block %d is a %s, want CERTIFICATE", n, block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return fmt.Errorf("certificate %d: %w", n, err)
		}
		if !c.IsCA {
			return fmt.Errorf("certificate %d (%s) is not a CA", n, c.Subject)
		}
	}
	if n == 0 {
		return fmt.Errorf("no PEM CERTIFICATE block")
	}
	return nil
}

func exportParseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("no PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(block.Bytes)
}

func exportValidLabels(labels map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		field := fmt.Sprintf("registration.labels[%s]", k)
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("%s: key: %s", field, strings.Join(errs, "; "))
		}
		if slices.Contains(exportReserved, k) || strings.HasPrefix(k, "slipway.dev/") {
			return fmt.Errorf("%s: reserved: Slipway sets it", field)
		}
		if errs := validation.IsValidLabelValue(labels[k]); len(errs) > 0 {
			return fmt.Errorf("%s: value %q: %s", field, labels[k], strings.Join(errs, "; "))
		}
	}
	return nil
}

// exportLabels are the labels of r's objects: its own, then Slipway's.
func exportLabels(r Registration) map[string]string {
	out := maps.Clone(r.Labels)
	if out == nil {
		out = map[string]string{}
	}
	out[LabelManagedBy] = ManagedBy
	out[LabelCluster] = r.Cluster
	if r.Fleet != "" {
		out[LabelFleet] = r.Fleet
	}
	return out
}
