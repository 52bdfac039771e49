package tftp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TFTP opcodes (RFC 1350, RFC 2347).
const (
	opRRQ   = 1
	opWRQ   = 2
	opERROR = 5
)

// TFTP error codes sent in ERROR packets.
const (
	CodeUndefined  uint16 = 0 // "not defined": used for "server busy"
	CodeNotFound   uint16 = 1
	CodeAccess     uint16 = 2 // access violation
	CodeIllegal    uint16 = 4 // illegal TFTP operation
	CodeBadOption  uint16 = 8 // option negotiation refused (RFC 2347)
	maxRequestLen         = 1024
	MaxFilenameLen        = 255
	maxOptions            = 8
	minBlockSize          = 8     // RFC 2348
	maxBlockSize          = 65464 // RFC 2348
)

// Request is a parsed read or write request. Mode and option names are
// lower case; only the options this server knows (blksize, tsize, timeout)
// are kept, with their validated values.
type Request struct {
	Write    bool
	Filename string
	Mode     string // octet | netascii
	Options  map[string]string
}

// RequestError is a request refused with a TFTP error code.
type RequestError struct {
	Code    uint16
	Message string
}

func (e *RequestError) Error() string { return fmt.Sprintf("tftp error %d: %s", e.Code, e.Message) }

func refuse(code uint16, format string, args ...any) *RequestError {
	return &RequestError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ParseRequest parses a packet sent to the server port. Anything but a
// well-formed RRQ or WRQ is a *RequestError naming the problem: short or
// overlong packets, a missing NUL terminator, an empty, overlong or
// non-printable filename, a mode other than octet or netascii, an option
// without a value, and a bad blksize, tsize or timeout value.
func ParseRequest(p []byte) (Request, error) {
	if len(p) < 2 {
		return Request{}, refuse(CodeIllegal, "short packet (%d bytes)", len(p))
	}
	if len(p) > maxRequestLen {
		return Request{}, refuse(CodeIllegal, "request of %d bytes is too long (max %d)", len(p), maxRequestLen)
	}
	op := binary.BigEndian.Uint16(p)
	if op != opRRQ && op != opWRQ {
		return Request{}, refuse(CodeIllegal, "opcode %d is not a read or write request", op)
	}
	body := p[2:]
	if len(body) == 0 || body[len(body)-1] != 0 {
		return Request{}, refuse(CodeIllegal, "request does not end with a NUL byte")
	}
	fields := bytes.Split(body[:len(body)-1], []byte{0})
	if len(fields) < 2 {
		return Request{}, refuse(CodeIllegal, "request has no mode")
	}
	r := Request{Write: op == opWRQ, Filename: string(fields[0]), Mode: strings.ToLower(string(fields[1]))}
	if err := checkFilename(r.Filename); err != nil {
		return Request{}, err
	}
	if r.Mode != "octet" && r.Mode != "netascii" {
		return Request{}, refuse(CodeIllegal, "mode %.20q is not supported (octet or netascii)", r.Mode)
	}
	opts, err := parseOptions(fields[2:])
	if err != nil {
		return Request{}, err
	}
	r.Options = opts
	return r, nil
}

func checkFilename(name string) error {
	switch {
	case name == "":
		return refuse(CodeIllegal, "empty filename")
	case len(name) > MaxFilenameLen:
		return refuse(CodeIllegal, "filename of %d bytes is too long (max %d)", len(name), MaxFilenameLen)
	case !utf8.ValidString(name):
		return refuse(CodeIllegal, "filename is not UTF-8")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return refuse(CodeIllegal, "filename has a control character")
		}
	}
	return nil
}

func parseOptions(fields [][]byte) (map[string]string, error) {
	if len(fields)%2 != 0 {
		return nil, refuse(CodeIllegal, "option %.20q has no value", fields[len(fields)-1])
	}
	if len(fields)/2 > maxOptions {
		return nil, refuse(CodeIllegal, "%d options (max %d)", len(fields)/2, maxOptions)
	}
	var opts map[string]string
	for i := 0; i < len(fields); i += 2 {
		name, value := strings.ToLower(string(fields[i])), string(fields[i+1])
		if err := checkOption(name, value); err != nil {
			return nil, err
		}
		if name != "blksize" && name != "tsize" && name != "timeout" {
			continue // unknown options are ignored (RFC 2347)
		}
		if opts == nil {
			opts = map[string]string{}
		}
		opts[name] = value
	}
	return opts, nil
}

// checkOption validates the value of a known option.
func checkOption(name, value string) error {
	lo, hi := 0, 0
	switch name {
	case "blksize":
		lo, hi = minBlockSize, maxBlockSize
	case "tsize":
		lo, hi = 0, 1<<31-1
	case "timeout":
		lo, hi = 1, 255 // RFC 2349
	default:
		return nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < lo || n > hi || len(value) > 10 {
		return refuse(CodeBadOption, "option %s: %.20q is not a number from %d to %d", name, value, lo, hi)
	}
	return nil
}

// appendRRQ writes r as a normalized read request (lower case mode and
// option names, known options only) into b and returns its length, or 0
// when b is too small.
func appendRRQ(b []byte, r Request) int {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 64+len(r.Filename)), opRRQ)
	p = append(append(p, r.Filename...), 0)
	p = append(append(p, r.Mode...), 0)
	for _, name := range []string{"blksize", "tsize"} {
		if v, ok := r.Options[name]; ok {
			p = append(append(append(append(p, name...), 0), v...), 0)
		}
	}
	if len(p) > len(b) {
		return 0
	}
	return copy(b, p)
}

// errorPacket builds a TFTP ERROR packet.
func errorPacket(code uint16, msg string) []byte {
	if len(msg) > 200 {
		msg = msg[:200]
	}
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 5+len(msg)), opERROR)
	p = binary.BigEndian.AppendUint16(p, code)
	return append(append(p, msg...), 0)
}
