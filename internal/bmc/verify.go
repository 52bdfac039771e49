package bmc

import (
	"context"
	"fmt"
	"time"
)

// PowerState reads the power state once.
func (s *Session) PowerState() (string, error) {
	var st string
	err := s.Call("power status", func(ctx context.Context, c Client) error {
		var err error
		st, err = c.PowerState(ctx)
		return err
	})
	return st, err
}

// SetPower sends a power command and then reads the state back until it is
// the one the command leads to. A BMC that accepts the command and does not
// act fails with ErrNotVerified ("BMC accepted power on but the machine is
// still off after 30s"). It returns the verified state and how long
// verification took; on failure the last state observed (or "").
func (s *Session) SetPower(a PowerAction) (string, time.Duration, error) {
	if err := s.Call("power "+string(a), func(ctx context.Context, c Client) error {
		return c.SetPower(ctx, a)
	}); err != nil {
		return "", 0, err
	}
	timeout := s.ctl.cfg.VerifyTimeout
	if a == ActionSoft {
		timeout = s.ctl.cfg.SoftOffTimeout
	}
	return s.WaitPower(a, timeout)
}

// WaitPower polls the power state until it is a.Wants() or timeout passes.
func (s *Session) WaitPower(a PowerAction, timeout time.Duration) (string, time.Duration, error) {
	start := time.Now()
	want, last := a.Wants(), ""
	for {
		st, err := s.PowerState()
		if err != nil {
			return last, time.Since(start), err
		}
		last = st
		if st == want {
			return st, time.Since(start), nil
		}
		if time.Since(start) >= timeout {
			return last, time.Since(start), &Error{Kind: ErrNotVerified, Msg: fmt.Sprintf(
				"BMC accepted power %s but the machine is still %s after %s", a, st, timeout.Round(time.Second))}
		}
		if !sleep(s.ctx, min(s.ctl.cfg.VerifyInterval, time.Until(start.Add(timeout))+time.Millisecond)) {
			return last, time.Since(start), &Error{Kind: ErrTimeout, Msg: fmt.Sprintf(
				"power %s: operation ended before the state was verified (still %s)", a, st)}
		}
	}
}

// SetBoot sets the next boot device and reads it back where the protocol
// allows. It returns what was read back (nil when the BMC cannot tell).
func (s *Session) SetBoot(b Boot) (*BootReadback, error) {
	if err := s.Call("set boot device", func(ctx context.Context, c Client) error {
		return c.SetBootDevice(ctx, b)
	}); err != nil {
		return nil, err
	}
	var rb BootReadback
	err := s.Call("read boot device", func(ctx context.Context, c Client) error {
		var err error
		rb, err = c.BootDevice(ctx)
		return err
	})
	switch {
	case isKind(err, ErrUnsupported):
		return nil, nil
	case err != nil:
		return nil, err
	}
	if rb.Device != b.Device || rb.Flags && (rb.Persistent != b.Persistent || rb.UEFI != b.UEFI) {
		return &rb, &Error{Kind: ErrNotVerified, Msg: fmt.Sprintf(
			"BMC accepted next boot %s but reads back %s", b, readbackString(rb))}
	}
	return &rb, nil
}

func readbackString(rb BootReadback) string {
	if rb.Flags {
		return rb.Boot.String()
	}
	return rb.Device
}

// SetMedia inserts (url != "") or ejects virtual media.
func (s *Session) SetMedia(url string) error {
	what := "insert virtual media"
	if url == "" {
		what = "eject virtual media"
	}
	return s.Call(what, func(ctx context.Context, c Client) error { return c.SetVirtualMedia(ctx, url) })
}

// Inventory reads the BMC's identity.
func (s *Session) Inventory() (Info, error) {
	var info Info
	err := s.Call("inventory", func(ctx context.Context, c Client) error {
		var err error
		info, err = c.Inventory(ctx)
		return err
	})
	return info, err
}

// SEL reads the system event log.
func (s *Session) SEL() ([]SELEntry, error) {
	var sel []SELEntry
	err := s.Call("read SEL", func(ctx context.Context, c Client) error {
		var err error
		sel, err = c.SEL(ctx)
		return err
	})
	return sel, err
}
