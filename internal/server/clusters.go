package server

import (
	"context"
	"time"
)

// Clusters is the cluster controller as the API uses it (package fleet's
// Controller implements it).
type Clusters interface {
	// Kubeconfig issues a short-lived admin kubeconfig of cluster for user.
	Kubeconfig(ctx context.Context, cluster, user string, ttl time.Duration) ([]byte, error)
}

// WithClusters serves the cluster actions (kubeconfig).
func WithClusters(c Clusters) Option { return func(s *Server) { s.clusters = c } }
