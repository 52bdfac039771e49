package bmc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// powerActions maps the API's action names to power commands.
var powerActions = map[string]PowerAction{
	"power-on":       ActionOn,
	"power-off":      ActionOff,
	"power-soft-off": ActionSoft,
	"power-cycle":    ActionCycle,
	"power-reset":    ActionReset,
}

// Executor carries out the API's BMC actions (it implements
// server.Executor): power-on, power-off, power-soft-off, power-cycle,
// power-reset, bootdev (params device, persistent=true, mode=uefi|legacy),
// media-insert (params url) and media-eject. Every step is an event on the
// machine; the operation's message shows the step in progress; a verified
// power state is written to the machine.
type Executor struct {
	DB   *store.DB
	Keys Opener
	Ctl  *Controller
	Log  *slog.Logger
}

// Execute runs op and returns nil only when the action was done and
// verified. A failure is also recorded as a bmc.error event.
func (e *Executor) Execute(ctx context.Context, op store.Operation) error {
	rec := &recorder{db: e.DB, log: e.Log, machine: op.Machine, actor: op.Actor,
		cause: "operation " + op.ID, opID: op.ID}
	err := e.execute(ctx, rec, op)
	if err != nil {
		rec.event(ctx, EventBMCError, kindReason(err), op.Action+": "+err.Error(), nil)
	}
	return err
}

func (e *Executor) execute(ctx context.Context, rec *recorder, op store.Operation) error {
	params := map[string]string{}
	if len(op.Params) > 0 {
		if err := json.Unmarshal(op.Params, &params); err != nil {
			return fmt.Errorf("params: %w", err)
		}
	}
	act, err := e.action(op.Action, params)
	if err != nil {
		return err
	}
	rec.progress(ctx, "reading BMC credentials")
	t, err := LoadTarget(ctx, e.DB, e.Keys, op.Machine)
	if err != nil {
		return err
	}
	rec.progress(ctx, "waiting for BMC "+t.Endpoint.String())
	return e.Ctl.Run(ctx, t, RunOptions{}, func(s *Session) error { return act(s, rec) })
}

type actionFunc func(*Session, *recorder) error

func (e *Executor) action(name string, p map[string]string) (actionFunc, error) {
	if a, ok := powerActions[name]; ok {
		return func(s *Session, rec *recorder) error { return power(s, rec, a) }, nil
	}
	switch name {
	case "bootdev":
		b := Boot{Device: p["device"], Persistent: p["persistent"] == "true", UEFI: p["mode"] != "legacy"}
		if err := b.Validate(); err != nil {
			return nil, err
		}
		if m := p["mode"]; m != "" && m != "uefi" && m != "legacy" {
			return nil, fmt.Errorf("params.mode %q: want uefi or legacy", m)
		}
		return func(s *Session, rec *recorder) error { return bootdev(s, rec, b) }, nil
	case "media-insert":
		u, err := url.Parse(p["url"])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("params.url %q: want an http(s) URL of an ISO image", p["url"])
		}
		return func(s *Session, rec *recorder) error { return media(s, rec, u.String()) }, nil
	case "media-eject":
		return func(s *Session, rec *recorder) error { return media(s, rec, "") }, nil
	}
	return nil, fmt.Errorf("unknown BMC action %q", name)
}

func power(s *Session, rec *recorder, a PowerAction) error {
	ctx := s.Context()
	rec.event(ctx, EventPowerRequested, string(a), "power "+string(a)+" requested from "+s.t.Endpoint.String(), nil)
	rec.progress(ctx, "power "+string(a)+": sending, then verifying the machine is "+a.Wants())
	st, took, err := s.SetPower(a)
	if st == PowerOn || st == PowerOff {
		rec.setPower(ctx, st)
	}
	if err != nil {
		return err
	}
	rec.event(ctx, EventPowerVerified, string(a), fmt.Sprintf("power is %s (verified in %s)", st,
		took.Round(10*time.Millisecond)), map[string]any{"power": st, "verifySeconds": took.Seconds()})
	return nil
}

func bootdev(s *Session, rec *recorder, b Boot) error {
	ctx := s.Context()
	rec.progress(ctx, "setting next boot "+b.String())
	rb, err := s.SetBoot(b)
	if err != nil {
		return err
	}
	msg, data := "next boot "+b.String(), map[string]any{"device": b.Device, "persistent": b.Persistent, "uefi": b.UEFI}
	switch {
	case rb == nil:
		msg += " (this BMC cannot read it back)"
	case rb.Flags:
		msg += " (read back: " + rb.Boot.String() + ")"
		data["readBack"] = rb.Device
	default:
		msg += " (read back: " + rb.Device + "; this BMC does not report the once/persistent and UEFI flags)"
		data["readBack"] = rb.Device
	}
	rec.event(ctx, EventBootdevSet, b.Device, msg, data)
	return nil
}

func media(s *Session, rec *recorder, url string) error {
	ctx := s.Context()
	if url == "" {
		rec.progress(ctx, "ejecting virtual media")
		if err := s.SetMedia(""); err != nil {
			return err
		}
		rec.event(ctx, EventMediaEjected, "eject", "virtual media ejected", nil)
		return nil
	}
	rec.progress(ctx, "inserting virtual media "+url)
	if err := s.SetMedia(url); err != nil {
		return err
	}
	rec.event(ctx, EventMediaInserted, "insert", "virtual CD inserted: "+url, map[string]any{"url": url})
	return nil
}

// kindReason is the event reason for a failure: its kind in one word.
func kindReason(err error) string {
	for _, k := range []struct {
		kind   error
		reason string
	}{
		{ErrAuth, "auth"}, {ErrUnreachable, "unreachable"}, {ErrTimeout, "timeout"}, {ErrMalformed, "malformed"},
		{ErrNotVerified, "not-verified"}, {ErrUnsupported, "unsupported"}, {ErrConfig, "config"}, {ErrBusy, "busy"},
	} {
		if errors.Is(err, k.kind) {
			return k.reason
		}
	}
	return "failed"
}
