package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/tools/clientcmd"
)

// kubeconfigUser is the username of credentials whose secret is a
// kubeconfig (a fleet exporter's credentialsRef).
const kubeconfigUser = "kubeconfig"

// createKubeconfigCredentials stores the kubeconfig in file as the secret
// of credentials name, once it is known to be one a client can use.
func (a *app) createKubeconfigCredentials(ctx context.Context, name, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	if err := checkKubeconfig(data); err != nil {
		return fmt.Errorf("kubeconfig %s: %w", file, err)
	}
	return a.storeCredentials(ctx, name, kubeconfigUser, string(data))
}

// checkKubeconfig refuses a file the cluster controller could not connect
// with: not a kubeconfig, or no current context naming a cluster.
func checkKubeconfig(data []byte) error {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return fmt.Errorf("not a kubeconfig: %w", err)
	}
	if len(cfg.Clusters) == 0 {
		return errors.New("no cluster in it")
	}
	if _, err := clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig(); err != nil {
		return err
	}
	return nil
}
