package fleet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistrationValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Registration)
		want   string // substring of the error; empty means valid
	}{
		{"valid", func(*Registration) {}, ""},
		{"no fleet", func(r *Registration) { r.Fleet = "" }, ""},
		{"server with path", func(r *Registration) { r.Server = "https://lb.example/k8s" }, ""},
		{"empty cluster", func(r *Registration) { r.Cluster = "" }, "registration.cluster"},
		{"cluster not a label", func(r *Registration) { r.Cluster = "Edge_1" }, "registration.cluster"},
		{"cluster with dot", func(r *Registration) { r.Cluster = "edge.1" }, "registration.cluster"},
		{"fleet not a label", func(r *Registration) { r.Fleet = "Retail!" }, "registration.fleet"},
		{"http server", func(r *Registration) { r.Server = "http://198.18.0.10:6443" }, "registration.server"},
		{"server without scheme", func(r *Registration) { r.Server = "198.18.0.10:6443" }, "registration.server"},
		{"server without host", func(r *Registration) { r.Server = "https://" }, "registration.server"},
		{"server with user", func(r *Registration) { r.Server = "https://u:p@h:6443" }, "registration.server"},
		{"no CA", func(r *Registration) { r.CAData = nil }, "registration.caData"},
		{"CA garbage", func(r *Registration) { r.CAData = []byte("not pem") }, "registration.caData"},
		{"CA is a key", func(r *Registration) { r.CAData = r.KeyData }, "registration.caData"},
		{"CA not a CA", func(r *Registration) { r.CAData = r.CertData }, "registration.caData"},
		{"no cert", func(r *Registration) { r.CertData = nil }, "registration.certData"},
		{"cert garbage", func(r *Registration) {
			r.CertData = []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, "registration.certData"},
		{"no key", func(r *Registration) { r.KeyData = nil }, "registration.keyData"},
		{"key of another cert", func(r *Registration) { r.CertData = r.CAData }, "registration.keyData"},
		{"label key invalid", func(r *Registration) { r.Labels = map[string]string{"bad key": "x"} }, "registration.labels[bad key]"},
		{"label value invalid", func(r *Registration) { r.Labels = map[string]string{"env": "a b"} }, "registration.labels[env]"},
		{"label reserved", func(r *Registration) { r.Labels = map[string]string{LabelManagedBy: "me"} }, "reserved"},
		{"label slipway prefix", func(r *Registration) { r.Labels = map[string]string{"slipway.dev/x": "y"} }, "reserved"},
		{"label argo type", func(r *Registration) { r.Labels = map[string]string{labelArgoSecretType: "repo"} }, "reserved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := exportFixture(t)
			tc.change(&r)
			err := r.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, e := range []Exporter{ArgoCD{}, ClusterAPI{}} {
				require.ErrorContains(t, e.Apply(t.Context(), nil, r), tc.want, "%s validates before it calls the API", e.Name())
			}
		})
	}
}
