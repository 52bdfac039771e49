package fleet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Cluster API's kubeconfig Secret contract (its "secret" util package).
const (
	labelCAPICluster     = "cluster.x-k8s.io/cluster-name"
	CAPISecretType       = corev1.SecretType("cluster.x-k8s.io/secret")
	CAPIKubeconfigKey    = "value"
	CAPIDefaultNamespace = "default"
)

// ClusterAPI exports a registration as the kubeconfig Secret Cluster API
// keeps for each workload cluster ("<cluster>-kubeconfig", type
// cluster.x-k8s.io/secret, the kubeconfig in data key "value"), which
// CAPI-aware tools read to reach the cluster.
type ClusterAPI struct {
	Namespace string // the namespace of the Cluster objects; empty means CAPIDefaultNamespace
}

// Name is "clusterapi".
func (ClusterAPI) Name() string { return "clusterapi" }

// CAPISecretName is the Secret a cluster's kubeconfig lives in.
func CAPISecretName(cluster string) string { return cluster + "-kubeconfig" }

func (e ClusterAPI) namespace() string {
	if e.Namespace == "" {
		return CAPIDefaultNamespace
	}
	return e.Namespace
}

// CAPIKubeconfig renders r as a kubeconfig with one cluster (r.Cluster), one
// user (r.Cluster-admin, as Cluster API names it) and their context.
func CAPIKubeconfig(r Registration) ([]byte, error) {
	user := r.Cluster + "-admin"
	ctx := user + "@" + r.Cluster
	cfg := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{r.Cluster: {Server: r.Server, CertificateAuthorityData: r.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{user: {ClientCertificateData: r.CertData, ClientKeyData: r.KeyData}},
		Contexts:       map[string]*clientcmdapi.Context{ctx: {Cluster: r.Cluster, AuthInfo: user}},
		CurrentContext: ctx,
	}
	data, err := clientcmd.Write(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", r.Cluster, err)
	}
	return data, nil
}

// Secret renders the Secret Apply writes for r.
func (e ClusterAPI) Secret(r Registration) (*corev1ac.SecretApplyConfiguration, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	kubeconfig, err := CAPIKubeconfig(r)
	if err != nil {
		return nil, err
	}
	labels := exportLabels(r)
	labels[labelCAPICluster] = r.Cluster
	return corev1ac.Secret(CAPISecretName(r.Cluster), e.namespace()).
		WithLabels(labels).
		WithType(CAPISecretType).
		WithData(map[string][]byte{CAPIKubeconfigKey: kubeconfig}), nil
}

// Apply writes r's kubeconfig Secret.
func (e ClusterAPI) Apply(ctx context.Context, c kubernetes.Interface, r Registration) error {
	s, err := e.Secret(r)
	if err == nil {
		err = exportApplySecret(ctx, c, s)
	}
	if err != nil {
		return fmt.Errorf("clusterapi export of cluster %s: %w", r.Cluster, err)
	}
	return nil
}

// Remove deletes cluster's kubeconfig Secret.
func (e ClusterAPI) Remove(ctx context.Context, c kubernetes.Interface, cluster string) error {
	if err := exportRemoveSecret(ctx, c, e.namespace(), CAPISecretName(cluster)); err != nil {
		return fmt.Errorf("clusterapi export of cluster %s: remove: %w", cluster, err)
	}
	return nil
}
