package bmc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultMaxConcurrent    = 64
	DefaultCallTimeout      = 20 * time.Second
	DefaultOperationTimeout = 3 * time.Minute
	DefaultRetries          = 3
	DefaultBackoffBase      = 500 * time.Millisecond
	DefaultBackoffMax       = 8 * time.Second
	DefaultVerifyTimeout    = 30 * time.Second
	DefaultVerifyInterval   = time.Second
	DefaultSoftOffTimeout   = 2 * time.Minute
)

// Config tunes the Controller. Zero fields take the defaults.
type Config struct {
	// MaxConcurrent caps BMC operations in flight across all BMCs.
	MaxConcurrent int
	// CallTimeout bounds one call (open + one command).
	CallTimeout time.Duration
	// OperationTimeout bounds a whole operation (all calls, retries and
	// verification).
	OperationTimeout time.Duration
	// Retries is how many times a transient failure is retried.
	Retries int
	// BackoffBase doubles per retry up to BackoffMax, with full jitter.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// VerifyTimeout is how long a power state may take to be reached.
	VerifyTimeout time.Duration
	// VerifyInterval is the pause between read-backs.
	VerifyInterval time.Duration
	// SoftOffTimeout is VerifyTimeout for a graceful shutdown.
	SoftOffTimeout time.Duration
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	def(&c.CallTimeout, DefaultCallTimeout)
	def(&c.OperationTimeout, DefaultOperationTimeout)
	def(&c.BackoffBase, DefaultBackoffBase)
	def(&c.BackoffMax, DefaultBackoffMax)
	def(&c.VerifyTimeout, DefaultVerifyTimeout)
	def(&c.VerifyInterval, DefaultVerifyInterval)
	def(&c.SoftOffTimeout, DefaultSoftOffTimeout)
	return c
}

// Controller runs BMC operations: one at a time per BMC, at most
// MaxConcurrent at once.
type Controller struct {
	cfg     Config
	dialer  Dialer
	secrets *Secrets
	log     *slog.Logger
	slots   chan struct{}

	mu    sync.Mutex
	locks map[string]*bmcLock
}

type bmcLock struct {
	ch   chan struct{}
	refs int
}

// NewController returns a Controller that opens clients with d.
func NewController(cfg Config, d Dialer, secrets *Secrets, log *slog.Logger) *Controller {
	cfg = cfg.withDefaults()
	return &Controller{cfg: cfg, dialer: d, secrets: secrets, log: log,
		slots: make(chan struct{}, cfg.MaxConcurrent), locks: map[string]*bmcLock{}}
}

// Config returns the effective configuration.
func (c *Controller) Config() Config { return c.cfg }

// RunOptions adjust one Run.
type RunOptions struct {
	// NoWait fails with ErrBusy instead of waiting for an operation
	// already running on the BMC.
	NoWait bool
	// NoRetry makes transient failures final (a poller that retries on
	// its next round).
	NoRetry bool
	// CallTimeout overrides Config.CallTimeout.
	CallTimeout time.Duration
}

// Run holds t's BMC for the whole of fn (waiting for an operation already
// running on it unless o.NoWait) and one global slot, and bounds fn by
// OperationTimeout.
func (c *Controller) Run(ctx context.Context, t Target, o RunOptions, fn func(*Session) error) error {
	release, err := c.lock(ctx, t.Endpoint.Key(), !o.NoWait)
	if err != nil {
		return err
	}
	defer release()
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return c.secrets.Error(classify(ctx, ctx.Err()), "waiting for a free BMC slot", ctx.Err())
	}
	defer func() { <-c.slots }()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.OperationTimeout)
	defer cancel()
	s := &Session{ctl: c, t: t, ctx: ctx, retries: c.cfg.Retries, callTimeout: c.cfg.CallTimeout}
	if o.NoRetry {
		s.retries = 0
	}
	if o.CallTimeout > 0 {
		s.callTimeout = o.CallTimeout
	}
	defer s.close()
	return fn(s)
}

// lock takes the per-BMC lock for key.
func (c *Controller) lock(ctx context.Context, key string, wait bool) (func(), error) {
	c.mu.Lock()
	l := c.locks[key]
	if l == nil {
		l = &bmcLock{ch: make(chan struct{}, 1)}
		c.locks[key] = l
	}
	l.refs++
	c.mu.Unlock()
	unref := func() {
		c.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(c.locks, key)
		}
		c.mu.Unlock()
	}
	if !wait {
		select {
		case l.ch <- struct{}{}:
		default:
			unref()
			return nil, &Error{Kind: ErrBusy, Msg: key + ": busy with another operation"}
		}
	} else {
		select {
		case l.ch <- struct{}{}:
		case <-ctx.Done():
			unref()
			return nil, c.secrets.Error(classify(ctx, ctx.Err()), "waiting for "+key, ctx.Err())
		}
	}
	return func() { <-l.ch; unref() }, nil
}

// Session is one operation's exclusive use of a BMC.
type Session struct {
	ctl    *Controller
	t      Target
	ctx    context.Context
	client Client

	retries     int
	callTimeout time.Duration
}

// Context is the operation's context.
func (s *Session) Context() context.Context { return s.ctx }

// Call runs fn with an open client, under CallTimeout, retrying transient
// failures (re-opening the connection) with exponential backoff and
// jitter. The error is an *Error naming what failed.
func (s *Session) Call(what string, fn func(context.Context, Client) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = s.try(fn)
		if err == nil || !transient(err) || attempt >= s.retries || s.ctx.Err() != nil {
			break
		}
		s.ctl.log.Debug("bmc: transient failure, retrying", "bmc", s.t.Endpoint.String(), "call", what,
			"attempt", attempt+1, "err", err)
		if !sleep(s.ctx, backoff(s.ctl.cfg, attempt)) {
			break
		}
	}
	if err == nil {
		return nil
	}
	var be *Error
	if !errors.As(err, &be) {
		be = s.ctl.secrets.Error(classify(s.ctx, err), "", err)
	}
	if s.ctx.Err() != nil && !errors.Is(be, ErrTimeout) && errors.Is(s.ctx.Err(), context.DeadlineExceeded) {
		be = &Error{Kind: ErrTimeout, Msg: be.Msg}
	}
	return &Error{Kind: be.Kind, Msg: fmt.Sprintf("%s: %s", what, be.Msg)}
}

func (s *Session) try(fn func(context.Context, Client) error) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.callTimeout)
	defer cancel()
	if s.client == nil {
		cl, err := s.ctl.dialer.Dial(ctx, s.t)
		if err != nil {
			return timeoutIfExpired(ctx, err, s.callTimeout)
		}
		s.client = cl
	}
	err := fn(ctx, s.client)
	if err != nil && transient(err) {
		s.close() // a fresh connection for the retry
	}
	return timeoutIfExpired(ctx, err, s.callTimeout)
}

// timeoutIfExpired names a call that ran out of time as a timeout (the
// tool's own message is often only "signal: killed").
func timeoutIfExpired(ctx context.Context, err error, d time.Duration) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: ErrTimeout, Msg: fmt.Sprintf("no answer within %s", d)}
	}
	return err
}

func (s *Session) close() {
	if s.client == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 5*time.Second)
	defer cancel()
	if err := s.client.Close(ctx); err != nil {
		s.ctl.log.Debug("bmc: close", "bmc", s.t.Endpoint.String(), "err", err)
	}
	s.client = nil
}

// backoff is the pause before retry attempt+1: full jitter over an
// exponentially growing ceiling.
func backoff(cfg Config, attempt int) time.Duration {
	ceil := cfg.BackoffBase << min(attempt, 20)
	if ceil > cfg.BackoffMax || ceil <= 0 {
		ceil = cfg.BackoffMax
	}
	return ceil/2 + rand.N(ceil/2+1) //nolint:gosec // jitter, not a secret
}

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
