package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/store"
	"github.com/slipway-dev/slipway/internal/tfstate"
)

// Terraform's http backend methods for locking.
const (
	methodLock   = "LOCK"
	methodUnlock = "UNLOCK"
)

// Sites runs the appliance's own Terraform (internal/infra implements it).
type Sites interface {
	List(ctx context.Context) ([]api.Site, error)
	Get(ctx context.Context, name string) (api.Site, error)
	Run(ctx context.Context, site, id string) (store.InfraRun, error)
	Plan(ctx context.Context, site, actor string) (store.InfraRun, error)
	Apply(ctx context.Context, site, planID, actor string) (store.InfraRun, error)
}

// Terraform is what the Terraform routes need: the state service and,
// when the appliance runs Terraform itself, the sites.
type Terraform struct {
	State *tfstate.Service
	Sites Sites // nil: no sites configured
}

// WithTerraform serves the http backend state routes and the site routes.
func WithTerraform(t Terraform) Option { return func(s *Server) { s.terraform = t } }

// terraformRoutes are the http backend (GET/POST/DELETE/LOCK/UNLOCK on
// /api/v1/tfstate/:name) and the site routes.
func (s *Server) terraformRoutes() []route {
	if s.terraform.State == nil {
		return nil
	}
	const st = "/api/v1/tfstate/:name"
	get, post, del := http.MethodGet, http.MethodPost, http.MethodDelete
	rs := []route{
		{get, st, auth.Operator, s.getTFState},
		{post, st, auth.Operator, s.postTFState},
		{del, st, auth.Admin, s.deleteTFState},
		{methodLock, st, auth.Operator, s.lockTFState},
		{methodUnlock, st, auth.Operator, s.unlockTFState},
		{get, st + "/versions", auth.Operator, s.listTFStates},
		{get, st + "/lock", auth.Viewer, s.getTFLock},
		{del, st + "/lock", auth.Admin, s.forceUnlockTFState},
	}
	if s.terraform.Sites != nil {
		rs = append(rs, s.siteRoutes()...)
	}
	return rs
}

// getTFState answers the latest state (or ?version=N); 204 when none yet.
func (s *Server) getTFState(c echo.Context) error {
	var version int64
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return badRequest("version", "%q is not a version number", v)
		}
		version = n
	}
	body, st, err := s.terraform.State.Get(c.Request().Context(), c.Param("name"), version)
	if errors.Is(err, store.ErrNotFound) && version == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Slipway-State-Version", strconv.FormatInt(st.Version, 10))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

func readBody(c echo.Context) ([]byte, error) {
	return io.ReadAll(io.LimitReader(c.Request().Body, tfstate.MaxStateBytes+1))
}

// postTFState stores a new version; ?ID= is the lock the writer holds.
func (s *Server) postTFState(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "tfstate "+name)
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(body) > tfstate.MaxStateBytes {
		return &httpError{status: http.StatusRequestEntityTooLarge, body: bodyTooLarge(tfstate.MaxStateBytes)}
	}
	_, err = s.terraform.State.Put(c.Request().Context(), name, c.QueryParam("ID"), body, actorOf(c))
	if errors.Is(err, tfstate.ErrBadState) {
		return badRequest("body", "%v", err)
	}
	if err != nil {
		return s.lockAnswer(c, err)
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) deleteTFState(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "tfstate "+name)
	err := s.db.Update(c.Request().Context(), func(tx *store.Tx) error { return tx.DeleteTFState(name) })
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// lockTFState takes the lock; a held lock is 423 with the holder's lock
// info, its ID extended with who holds it (Terraform prints that ID).
func (s *Server) lockTFState(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "tfstate "+name)
	body, err := readBody(c)
	if err != nil {
		return err
	}
	err = s.terraform.State.Lock(c.Request().Context(), name, body, actorOf(c))
	if err != nil {
		return s.lockAnswer(c, err)
	}
	return c.NoContent(http.StatusOK)
}

// unlockTFState releases the lock the body names. An empty body is
// `terraform force-unlock`, which only an admin may do.
func (s *Server) unlockTFState(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "tfstate "+name)
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var info tfstate.LockInfo
	force := len(body) == 0
	if force {
		if id, _ := c.Get(keyIdentity).(*identity); id == nil || !auth.Allows(id.Role, auth.Admin) {
			return &httpError{status: http.StatusForbidden, body: api.Error{
				Message: "releasing a lock you do not hold (force-unlock) needs role admin"}}
		}
	} else if err := json.Unmarshal(body, &info); err != nil {
		return badRequest("body", "want Terraform's lock JSON: %v", err)
	}
	if err := s.terraform.State.Unlock(c.Request().Context(), name, info.ID, force); err != nil {
		return s.lockAnswer(c, err)
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) forceUnlockTFState(c echo.Context) error {
	name := c.Param("name")
	setTarget(c, "tfstate "+name)
	if err := s.terraform.State.Unlock(c.Request().Context(), name, "", true); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// lockAnswer answers a *tfstate.LockedError with 423 and the holder's lock info.
func (s *Server) lockAnswer(c echo.Context, err error) error {
	var le *tfstate.LockedError
	if !errors.As(err, &le) {
		return err
	}
	var info tfstate.LockInfo
	_ = json.Unmarshal([]byte(le.Lock.Info), &info)
	info.ID = le.Lock.ID + " (held by " + tfstate.Holder(le.Lock) + ")"
	c.Set(keyAPIError, api.Error{Message: le.Error()})
	return writeJSON(c, http.StatusLocked, info)
}

func (s *Server) listTFStates(c echo.Context) error {
	vs, err := s.terraform.State.Versions(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []store.TFState{}
	}
	return writeJSON(c, http.StatusOK, api.List[store.TFState]{Items: vs})
}

func (s *Server) getTFLock(c echo.Context) error {
	l, err := s.terraform.State.CurrentLock(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, l)
}
