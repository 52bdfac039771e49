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
	// Renew asks for the certificates of every node of cluster to be
	// renewed (by actor) and returns when.
	Renew(ctx context.Context, cluster, actor string) (time.Time, error)
}

// WithClusters serves the cluster actions (kubeconfig, renew).
func WithClusters(c Clusters) Option { return func(s *Server) { s.clusters = c } }
