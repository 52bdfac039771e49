package config

import "path/filepath"

// KubernetesConfig configures how the appliance builds and watches the
// declared clusters.
type KubernetesConfig struct {
	// ArtifactsDir holds the Kubernetes and containerd binaries the node
	// image carries, in images/kube's layout (kube/VERSION/manifest.json,
	// containerd/VERSION/manifest.json); a Cluster asking for a version
	// without them is refused. Default <dataDir>/kube.
	ArtifactsDir string `yaml:"artifactsDir"`
	// Interval between two looks at every cluster (default 5s).
	Interval Duration `yaml:"interval"`
	// TokenTTL is a bootstrap token's lifetime in its cluster, refreshed
	// while the worker is on its way (default 1h).
	TokenTTL Duration `yaml:"tokenTTL"`
	// StuckAfter is how long a cluster phase may make no progress before
	// the cluster reports it stuck (default 20m).
	StuckAfter Duration `yaml:"stuckAfter"`
}

// ArtifactsPath is ArtifactsDir or its default under dataDir.
func (k KubernetesConfig) ArtifactsPath(dataDir string) string {
	if k.ArtifactsDir != "" {
		return k.ArtifactsDir
	}
	return filepath.Join(dataDir, "kube")
}

func (c *Config) validateKubernetes(add addFunc) {
	for _, d := range []struct {
		field string
		v     Duration
	}{{"kubernetes.interval", c.Kubernetes.Interval}, {"kubernetes.tokenTTL", c.Kubernetes.TokenTTL},
		{"kubernetes.stuckAfter", c.Kubernetes.StuckAfter}} {
		if d.v < 0 {
			add(d.field, "must not be negative (0 takes the default)")
		}
	}
}
