package bmc

import (
	"context"
	"errors"
	"net"
	"strings"
)

// Error kinds. An *Error unwraps to one of them; test with errors.Is.
var (
	// ErrAuth means the BMC refused the credentials. Not retried.
	ErrAuth = errors.New("BMC refused the credentials")
	// ErrUnreachable means the BMC did not answer (connection refused,
	// timeout, no session). Retried.
	ErrUnreachable = errors.New("BMC unreachable")
	// ErrTimeout means a call did not finish within its timeout. Retried.
	ErrTimeout = errors.New("timed out")
	// ErrMalformed means the BMC answered something that is not a valid
	// response (bad JSON, unexpected output). Not retried.
	ErrMalformed = errors.New("malformed BMC response")
	// ErrNotVerified means the BMC accepted a command but the state it
	// reports afterwards is not the one asked for.
	ErrNotVerified = errors.New("not verified")
	// ErrUnsupported means the protocol cannot do this (virtual media over
	// IPMI).
	ErrUnsupported = errors.New("not supported by this BMC protocol")
	// ErrBusy means another operation holds the BMC (only returned to
	// callers that asked not to wait).
	ErrBusy = errors.New("BMC busy with another operation")
	// ErrFailed is any other refusal by the BMC. Not retried.
	ErrFailed = errors.New("BMC command failed")
	// ErrConfig means the machine's BMC is not usable as declared (no
	// address, no credentials, undecryptable secret).
	ErrConfig = errors.New("BMC not configured")
)

// Error is a BMC failure: the kind, and a message that never contains a
// password (it is redacted when the Error is made).
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind only: the original error chain (which may hold
// the secret) is not kept.
func (e *Error) Unwrap() error { return e.Kind }

// transient reports whether err is worth retrying.
func transient(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout)
}

// classify names the kind of a raw error from bmclib, ipmitool or HTTP.
func classify(ctx context.Context, err error) error {
	var be *Error
	switch {
	case errors.As(err, &be):
		return be.Kind
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		return ErrTimeout
	case ctx.Err() != nil:
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	msg := strings.ToLower(err.Error())
	for _, k := range kindWords {
		for _, w := range k.words {
			if strings.Contains(msg, w) {
				return k.kind
			}
		}
	}
	return ErrFailed
}

// kindWords maps words in ipmitool, gofish and net errors to a kind, in
// order (the first match wins).
var kindWords = []struct {
	kind  error
	words []string
}{
	{ErrAuth, []string{"401", "unauthorized", "rakp 2 hmac is invalid", "invalid user name", "authentication",
		"password", "403 forbidden"}},
	{ErrTimeout, []string{"timeout", "timed out", "deadline exceeded"}},
	{ErrMalformed, []string{"invalid character", "unexpected end of json", "cannot unmarshal", "looking for beginning of value"}},
	{ErrUnreachable, []string{"connection refused", "no route to host", "unable to establish", "connection reset",
		"eof", "network is unreachable", "i/o timeout", "get auth capabilities", "503", "502", "504", "server closed"}},
}

// isKind reports whether err is of kind k.
func isKind(err, k error) bool { return err != nil && errors.Is(err, k) }
