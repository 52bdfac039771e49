package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/agent"
	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/fleet"
	"github.com/slipway-dev/slipway/internal/journey"
	"github.com/slipway-dev/slipway/internal/kube"
)

// Agent answers the netboot agent (journey.Service implements it). Its
// refusals are *journey.Error values carrying their status and field.
type Agent interface {
	Claim(ctx context.Context, r journey.Request, req agent.ClaimRequest) (agent.ClaimResponse, error)
	Inventory(ctx context.Context, r journey.Request, session string, inv agent.Inventory) (agent.Task, error)
	Progress(ctx context.Context, session string, p agent.Progress) error
	Result(ctx context.Context, session string, res agent.Result) (agent.Task, error)
	// Renew answers a cluster node's certificate renewal (its renew token
	// names the machine, returned; nil: nothing is due).
	Renew(ctx context.Context, token string, req fleet.RenewRequest) (string, *fleet.Renewal, error)
}

// WithAgent serves the agent endpoints (agent.Path*): reachable without an
// API token; the claim carries the boot token, the rest the agent session.
func WithAgent(a Agent) Option { return func(s *Server) { s.agent = a } }

func (s *Server) agentRoutes() []route {
	if s.agent == nil {
		return nil
	}
	post := http.MethodPost
	return []route{
		{post, agent.PathClaim, "", s.agentClaim},
		{post, agent.PathInventory, "", s.agentInventory},
		{post, agent.PathProgress, "", s.agentProgress},
		{post, agent.PathResult, "", s.agentResult},
		{post, kube.RenewAPIPath, "", s.agentRenew},
	}
}

// agentRequest names the caller "agent" in the audit and says where it is.
func agentRequest(c echo.Context) journey.Request {
	c.Set(keyIdentity, &identity{Actor: "agent"})
	// the peer address itself: forwarding headers are the client's to forge
	addr := c.Request().RemoteAddr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	return journey.Request{Addr: addr, Host: c.Request().Host}
}

// agentSession is the bearer session of an agent request.
func agentSession(c echo.Context) (string, error) {
	raw, ok := bearer(c.Request())
	if !ok {
		return "", unauthorized(c, "an agent session is required (Authorization: Bearer "+agent.SessionPrefix+"...)")
	}
	return raw, nil
}

func (s *Server) agentClaim(c echo.Context) error {
	r := agentRequest(c)
	var req agent.ClaimRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	resp, err := s.agent.Claim(c.Request().Context(), r, req)
	if err != nil {
		return agentError(err)
	}
	setTarget(c, resp.Machine)
	return writeJSON(c, http.StatusOK, resp)
}

func (s *Server) agentInventory(c echo.Context) error {
	r := agentRequest(c)
	session, err := agentSession(c)
	if err != nil {
		return err
	}
	var inv agent.Inventory
	if err := decodeJSON(c, &inv); err != nil {
		return err
	}
	task, err := s.agent.Inventory(c.Request().Context(), r, session, inv)
	if err != nil {
		return agentError(err)
	}
	return writeJSON(c, http.StatusOK, task)
}

func (s *Server) agentProgress(c echo.Context) error {
	agentRequest(c)
	session, err := agentSession(c)
	if err != nil {
		return err
	}
	var p agent.Progress
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	if err := s.agent.Progress(c.Request().Context(), session, p); err != nil {
		return agentError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) agentResult(c echo.Context) error {
	agentRequest(c)
	session, err := agentSession(c)
	if err != nil {
		return err
	}
	var res agent.Result
	if err := decodeJSON(c, &res); err != nil {
		return err
	}
	task, err := s.agent.Result(c.Request().Context(), session, res)
	if err != nil {
		return agentError(err)
	}
	return writeJSON(c, http.StatusOK, task)
}

// agentRenew answers a cluster node's renewal script (the renew token, not
// an API token, authenticates it): 200 with the node's new set, 204 when
// nothing is due. Only a renewal is an audit row (naming the machine); the
// token is never logged.
func (s *Server) agentRenew(c echo.Context) error {
	agentRequest(c)
	token, ok := bearer(c.Request())
	if !ok {
		return unauthorized(c, "a renew token is required (Authorization: Bearer "+journey.RenewPrefix+"...)")
	}
	var req fleet.RenewRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	machine, renewal, err := s.agent.Renew(c.Request().Context(), token, req)
	if machine != "" {
		setTarget(c, machine)
	}
	if err != nil {
		return agentError(err)
	}
	if renewal == nil {
		return c.NoContent(http.StatusNoContent)
	}
	SetResult(c, fmt.Sprintf("certificates of %s renewed (set %d: %s)", machine, renewal.Serial, renewal.Why))
	return writeJSON(c, http.StatusOK, renewal)
}

// agentError maps a journey refusal to its status and field.
func agentError(err error) error {
	var je *journey.Error
	if errors.As(err, &je) {
		if je.Status >= 500 {
			return err
		}
		return &httpError{status: je.Status, body: api.Error{Message: je.Msg, Field: je.Field}}
	}
	return err
}
