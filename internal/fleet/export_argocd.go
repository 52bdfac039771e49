package fleet

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
)

// labelArgoSecretType marks a Secret Argo CD reads as a cluster.
const labelArgoSecretType = "argocd.argoproj.io/secret-type"

// ArgoCDDefaultNamespace is where Argo CD looks for cluster Secrets unless
// installed elsewhere.
const ArgoCDDefaultNamespace = "argocd"

// ArgoCD exports a registration as an Argo CD declarative cluster Secret
// (operator-manual/declarative-setup, "Clusters"): data name, server and
// config, config holding tlsClientConfig with base64 PEM caData, certData
// and keyData.
type ArgoCD struct {
	Namespace string // Argo CD's namespace; empty means ArgoCDDefaultNamespace
}

// Name is "argocd".
func (ArgoCD) Name() string { return "argocd" }

// ArgoCDSecretName is the Secret a cluster's registration lives in.
func ArgoCDSecretName(cluster string) string { return "slipway-" + cluster }

func (a ArgoCD) namespace() string {
	if a.Namespace == "" {
		return ArgoCDDefaultNamespace
	}
	return a.Namespace
}

// argoClusterConfig is the JSON of the Secret's config key ([]byte fields
// marshal as base64, as Argo CD expects).
type argoClusterConfig struct {
	TLSClientConfig argoTLSClientConfig `json:"tlsClientConfig"`
}

type argoTLSClientConfig struct {
	CAData   []byte `json:"caData"`
	CertData []byte `json:"certData"`
	KeyData  []byte `json:"keyData"`
}

// Secret renders the Secret Apply writes for r.
func (a ArgoCD) Secret(r Registration) (*corev1ac.SecretApplyConfiguration, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	config, err := json.Marshal(argoClusterConfig{TLSClientConfig: argoTLSClientConfig{
		CAData: r.CAData, CertData: r.CertData, KeyData: r.KeyData}})
	if err != nil {
		return nil, fmt.Errorf("argocd config: %w", err)
	}
	labels := exportLabels(r)
	labels[labelArgoSecretType] = "cluster"
	return corev1ac.Secret(ArgoCDSecretName(r.Cluster), a.namespace()).
		WithLabels(labels).
		WithType(corev1.SecretTypeOpaque).
		WithData(map[string][]byte{"name": []byte(r.Cluster), "server": []byte(r.Server), "config": config}), nil
}

// Apply writes r's cluster Secret.
func (a ArgoCD) Apply(ctx context.Context, c kubernetes.Interface, r Registration) error {
	s, err := a.Secret(r)
	if err == nil {
		err = exportApplySecret(ctx, c, s)
	}
	if err != nil {
		return fmt.Errorf("argocd export of cluster %s: %w", r.Cluster, err)
	}
	return nil
}

// Remove deletes cluster's Secret.
func (a ArgoCD) Remove(ctx context.Context, c kubernetes.Interface, cluster string) error {
	if err := exportRemoveSecret(ctx, c, a.namespace(), ArgoCDSecretName(cluster)); err != nil {
		return fmt.Errorf("argocd export of cluster %s: remove: %w", cluster, err)
	}
	return nil
}
