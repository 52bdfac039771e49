package bmc

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Redacted replaces a secret wherever it would be printed.
const Redacted = "[REDACTED]"

// Secrets is the set of passwords in use, redacted from every error and
// log line the package produces. It is safe for concurrent use.
type Secrets struct {
	mu   sync.RWMutex
	set  map[string]struct{}
	repl *strings.Replacer
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{set: map[string]struct{}{}, repl: strings.NewReplacer()} }

// Add records a secret (empty strings and very short ones are ignored:
// replacing "a" everywhere would make logs unreadable and protect nothing).
func (s *Secrets) Add(secret string) {
	if len(secret) < 3 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[secret]; ok {
		return
	}
	s.set[secret] = struct{}{}
	pairs := make([]string, 0, 2*len(s.set))
	for k := range s.set {
		pairs = append(pairs, k, Redacted)
	}
	s.repl = strings.NewReplacer(pairs...)
}

// Redact returns text with every secret replaced.
func (s *Secrets) Redact(text string) string {
	s.mu.RLock()
	r := s.repl
	s.mu.RUnlock()
	return r.Replace(text)
}

// Error returns err as an *Error of the given kind with the secrets
// redacted from its message (and prefixed with what).
func (s *Secrets) Error(kind error, what string, err error) *Error {
	msg := what
	if err != nil {
		msg += ": " + strings.TrimSpace(err.Error())
	}
	return &Error{Kind: kind, Msg: s.Redact(msg)}
}

// Handler wraps h so that the message and every string attribute (and
// error, and any value formatted as text) of a record are redacted.
func (s *Secrets) Handler(h slog.Handler) slog.Handler { return &redactHandler{next: h, s: s} }

type redactHandler struct {
	next slog.Handler
	s    *Secrets
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.s.Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		as := make([]any, len(g))
		for i, x := range g {
			as[i] = h.attr(x)
		}
		return slog.Group(a.Key, as...)
	case slog.KindString:
		return slog.String(a.Key, h.s.Redact(v.String()))
	case slog.KindAny:
		return slog.String(a.Key, h.s.Redact(slog.AnyValue(v.Any()).String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(red), s: h.s}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), s: h.s}
}
