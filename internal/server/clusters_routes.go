package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/store"
)

// DefaultKubeconfigTTL is the life of a kubeconfig when the request names none.
const DefaultKubeconfigTTL = time.Hour

// clusterRoutes serve the declared clusters with their status, the
// kubeconfig action and the fleet view.
func (s *Server) clusterRoutes() []route {
	const v1 = "/api/v1"
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	return []route{
		{get, v1 + "/clusters", auth.Viewer, s.listClusters},
		{get, v1 + "/clusters/:name", auth.Viewer, s.getCluster},
		{get, v1 + "/clusters/:name/status", auth.Viewer, s.getClusterStatus},
		{post, v1 + "/clusters/:name/kubeconfig", auth.Admin, s.postKubeconfig},
		{post, v1 + "/clusters/:name/renew", auth.Operator, s.postRenew},
		{del, v1 + "/clusters/:name", auth.Operator, s.deleteObject(inventory.KindCluster)},
		{get, v1 + "/fleet", auth.Viewer, s.getFleet},
	}
}

func (s *Server) listClusters(c echo.Context) error {
	var out []api.Cluster
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) (err error) {
		out, err = ReadClusters(tx, "")
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, api.List[api.Cluster]{Items: out})
}

func (s *Server) readCluster(c echo.Context) (api.Cluster, error) {
	var out []api.Cluster
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) (err error) {
		out, err = ReadClusters(tx, c.Param("name"))
		return err
	})
	if err != nil {
		return api.Cluster{}, err
	}
	return out[0], nil
}

func (s *Server) getCluster(c echo.Context) error {
	cl, err := s.readCluster(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, cl)
}

func (s *Server) getClusterStatus(c echo.Context) error {
	cl, err := s.readCluster(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, cl.Status)
}

func (s *Server) getFleet(c echo.Context) error {
	var out api.FleetView
	err := s.db.View(c.Request().Context(), func(tx *store.Tx) (err error) {
		out, err = ReadFleetView(tx)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// postKubeconfig issues a short-lived cluster-admin kubeconfig for the
// caller. Its audit row names the cluster, the caller and the lifetime;
// the kubeconfig itself is only ever in the response.
func (s *Server) postKubeconfig(c echo.Context) error {
	ttl, err := kubeconfigTTL(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	err = s.db.View(c.Request().Context(), func(tx *store.Tx) error {
		_, err := tx.GetObject(string(inventory.KindCluster), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("cluster %s: %w", name, err)
	}
	if s.clusters == nil {
		return &httpError{status: http.StatusServiceUnavailable, body: api.Error{Message: "this appliance runs no cluster controller"}}
	}
	user, now := actorOf(c), s.now()
	kc, err := s.clusters.Kubeconfig(c.Request().Context(), name, user, ttl)
	switch {
	case errors.Is(err, fleet.ErrNotReady):
		return &httpError{status: http.StatusConflict, body: api.Error{Message: err.Error()}}
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("cluster %s: %w", name, err)
	case err != nil:
		return fmt.Errorf("cluster %s: kubeconfig: %w", name, err)
	}
	SetResult(c, fmt.Sprintf("cluster-admin kubeconfig of %s issued to %s for %s", name, user, ttl))
	return writeJSON(c, http.StatusOK, api.KubeconfigResponse{Kubeconfig: string(kc), ExpiresAt: now.Add(ttl).UTC()})
}

// postRenew asks for every node's certificates of the cluster to be
// renewed: each node's renewal service fetches its new set within the hour.
func (s *Server) postRenew(c echo.Context) error {
	name := c.Param("name")
	if s.clusters == nil {
		return &httpError{status: http.StatusServiceUnavailable, body: api.Error{Message: "this appliance runs no cluster controller"}}
	}
	at, err := s.clusters.Renew(c.Request().Context(), name, actorOf(c))
	switch {
	case errors.Is(err, fleet.ErrNotReady):
		return &httpError{status: http.StatusConflict, body: api.Error{Message: err.Error()}}
	case errors.Is(err, store.ErrNotFound):
		return err // names the cluster
	case err != nil:
		return fmt.Errorf("cluster %s: renew: %w", name, err)
	}
	msg := fmt.Sprintf("renewal of cluster %s's certificates requested: each node fetches its new set within the hour and restarts its components", name)
	SetResult(c, msg)
	return writeJSON(c, http.StatusAccepted, api.RenewResponse{Cluster: name, RequestedAt: at, Message: msg})
}

// kubeconfigTTL reads the request's ttl (an empty body or ttl means
// DefaultKubeconfigTTL).
func kubeconfigTTL(c echo.Context) (time.Duration, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return 0, err
	}
	var req api.KubeconfigRequest
	if len(bytes.TrimSpace(body)) > 0 {
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		if err := decodeJSON(c, &req); err != nil {
			return 0, err
		}
	}
	if req.TTL == "" {
		return DefaultKubeconfigTTL, nil
	}
	ttl, err := time.ParseDuration(req.TTL)
	if err != nil {
		return 0, badRequest("ttl", "%q is not a duration (e.g. 30m, 1h)", req.TTL)
	}
	if ttl <= 0 || ttl > fleet.MaxKubeconfigTTL {
		return 0, badRequest("ttl", "%s: want more than 0 and at most %s", req.TTL, fleet.MaxKubeconfigTTL)
	}
	return ttl, nil
}
