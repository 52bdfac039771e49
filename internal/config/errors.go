package config

import (
	"strconv"
	"strings"
)

// FieldError is one configuration problem, located by its dotted field path
// ("store.dsn") and, for problems in the file, its line.
type FieldError struct {
	Field   string
	Message string
	Line    int // 0 when not from the file
}

func (e FieldError) Error() string {
	s := e.Message
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Line > 0 {
		s += " (line " + strconv.Itoa(e.Line) + ")"
	}
	return s
}

// ErrorList is every problem found. Its Error is one problem per line.
type ErrorList []FieldError

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// err returns l as an error, or nil when l is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
