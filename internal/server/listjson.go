package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The machine list is the API's largest answer (10,000 machines ≈ 5 MB),
// so it is encoded by hand: no reflection, no per-field allocation, no
// second pass over the stored spec. Each machine is encoded once into the
// list model (listmodel.go) and the list is assembled from those entries. A
// test holds the output to what encoding/json produces.

// listWriter builds {"items":[...],"continue":...} in memory from encoded
// machines.
type listWriter struct {
	buf []byte
	n   int
}

func newListWriter() *listWriter {
	return &listWriter{buf: append(make([]byte, 0, 4096), `{"items":[`...)}
}

// grow makes room for n more bytes.
func (lw *listWriter) grow(n int) {
	if cap(lw.buf)-len(lw.buf) < n {
		lw.buf = append(make([]byte, 0, len(lw.buf)+n+64), lw.buf...)
	}
}

// addRaw adds one already-encoded machine.
func (lw *listWriter) addRaw(m []byte) {
	if lw.n > 0 {
		lw.buf = append(lw.buf, ',')
	}
	lw.n++
	lw.buf = append(lw.buf, m...)
}

// finish closes the list and returns it.
func (lw *listWriter) finish(cont string) []byte {
	lw.buf = append(lw.buf, ']')
	if cont != "" {
		lw.buf = appendString(append(lw.buf, `,"continue":`...), cont)
	}
	return append(lw.buf, "}\n"...)
}

// appendMachine appends m with the field order, names and omissions of
// machineJSON's tags.
func appendMachine(b []byte, m *machineJSON) ([]byte, error) {
	b = appendString(append(b, `{"name":`...), m.Name)
	b = appendString(append(b, `,"mac":`...), m.MAC)
	b = appendString(append(b, `,"state":`...), m.State)
	b = appendOptString(b, `,"stateReason":`, m.StateReason)
	b = appendOptString(b, `,"failedStage":`, m.FailedStage)
	b = appendString(append(b, `,"power":`...), m.Power)
	b = appendOptString(b, `,"phase":`, m.Phase)
	if len(m.Labels) > 0 {
		var arr [16]string // sorted keys without an allocation for usual label sets
		keys := arr[:0]
		for k := range m.Labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `,"labels":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(append(appendString(b, k), ':'), m.Labels[k])
		}
		b = append(b, '}')
	}
	if len(m.Spec) > 0 { // canonical JSON written by the inventory
		b = append(append(b, `,"spec":`...), m.Spec...)
	}
	if len(m.Conditions) > 0 { // rare: the generic encoder is fine
		c, err := json.Marshal(m.Conditions)
		if err != nil {
			return nil, fmt.Errorf("machine %s: encode conditions: %w", m.Name, err)
		}
		b = append(append(b, `,"conditions":`...), c...)
	}
	if len(m.Hardware) > 0 { // reported by an agent: checked before it is passed on
		if !json.Valid(m.Hardware) {
			return nil, fmt.Errorf("machine %s: stored hardware is not valid JSON", m.Name)
		}
		b = append(append(b, `,"hardware":`...), m.Hardware...)
	}
	b = strconv.AppendInt(append(b, `,"revision":`...), m.Revision, 10)
	b = appendTime(append(b, `,"createdAt":`...), m.CreatedAt)
	b = appendTime(append(b, `,"updatedAt":`...), m.UpdatedAt)
	b = appendTime(append(b, `,"stateChangedAt":`...), m.StateChangedAt)
	if len(m.Allowed) > 0 {
		b = append(b, `,"allowed":[`...)
		for i, a := range m.Allowed {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, a)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

func appendOptString(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

// appendTime appends t as time.Time's MarshalJSON does.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does
// (HTML characters and U+2028/U+2029 included; invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}
