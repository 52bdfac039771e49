package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slipway-dev/slipway/internal/store"
)

// FieldError is one problem in an inventory document, located by file,
// object and field path: "site/rack1.yaml: Machine r1-u07: spec.bmc.adress:
// unknown field (line 9)".
type FieldError struct {
	File    string `json:"file,omitempty"`
	Kind    Kind   `json:"kind,omitempty"`
	Name    string `json:"name,omitempty"`
	Field   string `json:"field,omitempty"` // dotted path: spec.disks[1].sizeGiB
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Kind != "" || e.Name != "" {
		b.WriteString(strings.TrimSpace(string(e.Kind) + " " + e.Name))
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// ErrorList is every problem found, in file order. It is an error when non-empty.
type ErrorList []*FieldError

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// ConflictError says an object changed between the reviewed plan and the
// apply, or (from Delete) that it cannot go because something refers to it.
type ConflictError struct {
	Key      Key
	Expected int64 // revision the plan saw (0: absent)
	Actual   int64 // revision now (0: absent)
	// Detail, when set, is the whole explanation after the key.
	Detail string
}

func (e *ConflictError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s", e.Key, e.Detail)
	}
	return fmt.Sprintf("%s: changed since the plan was made (revision %d, now %d); review the new plan and apply again",
		e.Key, e.Expected, e.Actual)
}

// Unwrap makes errors.Is(err, store.ErrConflict) true.
func (e *ConflictError) Unwrap() error { return store.ErrConflict }

// AsErrorList returns the ErrorList inside err, if any.
func AsErrorList(err error) (ErrorList, bool) {
	var l ErrorList
	ok := errors.As(err, &l)
	return l, ok
}
