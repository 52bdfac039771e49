package tftp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rq builds a request packet from its NUL-terminated fields.
func rq(op uint16, fields ...string) []byte {
	p := binary.BigEndian.AppendUint16(nil, op)
	for _, f := range fields {
		p = append(append(p, f...), 0)
	}
	return p
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		packet  []byte
		want    Request
		code    uint16
		errPart string
	}{
		{"plain read", rq(opRRQ, "undionly.kpxe", "octet"), Request{Filename: "undionly.kpxe", Mode: "octet"}, 0, ""},
		{"write", rq(opWRQ, "x", "octet"), Request{Write: true, Filename: "x", Mode: "octet"}, 0, ""},
		{"mode and options any case", rq(opRRQ, "a/b", "OcTeT", "BLKSIZE", "1468", "TSize", "0", "timeout", "3", "windowsize", "4"),
			Request{Filename: "a/b", Mode: "octet", Options: map[string]string{"blksize": "1468", "tsize": "0", "timeout": "3"}}, 0, ""},
		{"netascii", rq(opRRQ, "f", "netascii"), Request{Filename: "f", Mode: "netascii"}, 0, ""},
		{"empty", nil, Request{}, CodeIllegal, "short packet"},
		{"one byte", []byte{0}, Request{}, CodeIllegal, "short packet"},
		{"data opcode", []byte{0, 3, 0, 1, 'x'}, Request{}, CodeIllegal, "opcode 3"},
		{"no NUL at end", append(rq(opRRQ, "f"), 'o', 'c'), Request{}, CodeIllegal, "NUL"},
		{"opcode only", []byte{0, 1}, Request{}, CodeIllegal, "NUL"},
		{"no mode", rq(opRRQ, "f"), Request{}, CodeIllegal, "no mode"},
		{"empty name", rq(opRRQ, "", "octet"), Request{}, CodeIllegal, "empty filename"},
		{"overlong name", rq(opRRQ, strings.Repeat("a", 256), "octet"), Request{}, CodeIllegal, "too long"},
		{"control char", rq(opRRQ, "a\nb", "octet"), Request{}, CodeIllegal, "control"},
		{"bad utf8", rq(opRRQ, "a\xffb", "octet"), Request{}, CodeIllegal, "UTF-8"},
		{"mail mode", rq(opRRQ, "f", "mail"), Request{}, CodeIllegal, "not supported"},
		{"bad mode", rq(opRRQ, "f", "binary"), Request{}, CodeIllegal, "not supported"},
		{"option without value", rq(opRRQ, "f", "octet", "blksize"), Request{}, CodeIllegal, "no value"},
		{"blksize not a number", rq(opRRQ, "f", "octet", "blksize", "big"), Request{}, CodeBadOption, "blksize"},
		{"blksize too big", rq(opRRQ, "f", "octet", "blksize", "65465"), Request{}, CodeBadOption, "blksize"},
		{"blksize too small", rq(opRRQ, "f", "octet", "blksize", "7"), Request{}, CodeBadOption, "blksize"},
		{"negative tsize", rq(opRRQ, "f", "octet", "tsize", "-1"), Request{}, CodeBadOption, "tsize"},
		{"timeout zero", rq(opRRQ, "f", "octet", "timeout", "0"), Request{}, CodeBadOption, "timeout"},
		{"timeout 256", rq(opRRQ, "f", "octet", "timeout", "256"), Request{}, CodeBadOption, "timeout"},
		{"too many options", rq(opRRQ, "f", "octet", "a", "1", "b", "1", "c", "1", "d", "1", "e", "1", "f", "1", "g", "1", "h", "1", "i", "1"),
			Request{}, CodeIllegal, "options"},
		{"overlong packet", append(rq(opRRQ, "f", "octet", "x"), bytes.Repeat([]byte{'a'}, 1100)...), Request{}, CodeIllegal, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(tt.packet)
			if tt.errPart == "" {
				require.NoError(t, err)
				assert.Empty(t, cmp.Diff(tt.want, got))
				return
			}
			var re *RequestError
			require.True(t, errors.As(err, &re), "error %v", err)
			assert.Equal(t, tt.code, re.Code)
			assert.Contains(t, re.Message, tt.errPart)
		})
	}
}

func TestAppendRRQNormalizes(t *testing.T) {
	r := Request{Filename: "ipxe.efi", Mode: "octet", Options: map[string]string{"tsize": "0", "blksize": "1468", "timeout": "2"}}
	b := make([]byte, 512)
	n := appendRRQ(b, r)
	require.Positive(t, n)
	assert.Equal(t, rq(opRRQ, "ipxe.efi", "octet", "blksize", "1468", "tsize", "0"), b[:n])
	assert.Zero(t, appendRRQ(make([]byte, 4), r), "too small a buffer")
}

// discardConn is the server port of admit tests: it records answers.
type discardConn struct {
	net.PacketConn
	sent [][]byte
}

func (c *discardConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	c.sent = append(c.sent, append([]byte(nil), p...))
	return len(p), nil
}

// newAdmitServer is a Server whose admit can be called without Run.
func newAdmitServer(t testing.TB) (*Server, *discardConn) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ipxe.efi"), []byte("efi"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "f"), []byte("f"), 0o644))
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(dir, "out")))
	require.NoError(t, os.Symlink("ipxe.efi", filepath.Join(dir, "in")))
	s, err := New(Config{Root: dir, MaxTransfers: 2}, Deps{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.root.Close() })
	c := &discardConn{}
	s.pconn = c
	return s, c
}

var client = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}

func TestAdmit(t *testing.T) {
	s, conn := newAdmitServer(t)
	tests := []struct {
		name   string
		packet []byte
		admit  bool
		code   uint16 // of the error answer, when refused
	}{
		{"file", rq(opRRQ, "ipxe.efi", "octet"), true, 0},
		{"file in a directory", rq(opRRQ, "sub/f", "octet", "blksize", "1468"), true, 0},
		{"symlink inside the root", rq(opRRQ, "in", "octet"), true, 0},
		{"write", rq(opWRQ, "ipxe.efi", "octet"), false, CodeAccess},
		{"dot dot", rq(opRRQ, "../etc/passwd", "octet"), false, CodeAccess},
		{"dot dot inside", rq(opRRQ, "sub/../../x", "octet"), false, CodeAccess},
		{"absolute", rq(opRRQ, "/etc/passwd", "octet"), false, CodeAccess},
		{"backslash", rq(opRRQ, "..\\x", "octet"), false, CodeAccess},
		{"symlink out", rq(opRRQ, "out", "octet"), false, CodeAccess},
		{"missing", rq(opRRQ, "pxelinux.0", "octet"), false, CodeNotFound},
		{"directory", rq(opRRQ, "sub", "octet"), false, CodeNotFound},
		{"bad mode", rq(opRRQ, "ipxe.efi", "mail"), false, CodeIllegal},
		{"bad option", rq(opRRQ, "ipxe.efi", "octet", "blksize", "x"), false, CodeBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn.sent = nil
			b := make([]byte, 2048)
			n := copy(b, tt.packet)
			m := s.admit(b, n, client)
			if tt.admit {
				require.Positive(t, m)
				assert.Empty(t, conn.sent)
				return
			}
			require.Zero(t, m)
			require.Len(t, conn.sent, 1)
			assert.Equal(t, []byte{0, opERROR, 0, byte(tt.code)}, conn.sent[0][:4])
		})
	}
	t.Run("over the cap", func(t *testing.T) {
		conn.sent = nil
		s.active.Store(2)
		defer s.active.Store(0)
		b := make([]byte, 512)
		require.Zero(t, s.admit(b, copy(b, rq(opRRQ, "ipxe.efi", "octet")), client))
		require.Len(t, conn.sent, 1)
		assert.Contains(t, string(conn.sent[0]), "server busy")
	})
	t.Run("stray packets are dropped unanswered", func(t *testing.T) {
		conn.sent = nil
		for _, p := range [][]byte{{0, 4, 0, 1}, {0, 3, 0, 1, 'x'}, {9}, {0, 5, 0, 0, 0}} {
			b := make([]byte, 64)
			require.Zero(t, s.admit(b, copy(b, p), client))
		}
		assert.Empty(t, conn.sent)
	})
}

// FuzzRequest drives the whole request handling (parse, policy, path
// confinement against a real root, rewrite): it never panics, answers at
// most one error packet, and admits only a read of a regular file inside
// the root, rewritten as a request that parses again.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][]byte{
		rq(opRRQ, "ipxe.efi", "octet"),
		rq(opRRQ, "ipxe.efi", "octet", "blksize", "1468", "tsize", "0", "timeout", "1"),
		rq(opRRQ, "../../etc/passwd", "octet"),
		rq(opRRQ, "/etc/passwd", "netascii"),
		rq(opRRQ, "out", "octet"),
		rq(opWRQ, "ipxe.efi", "octet"),
		rq(opRRQ, "ipxe.efi", "mail"),
		rq(opRRQ, "ipxe.efi", "octet", "blksize"),
		rq(opRRQ, strings.Repeat("a/", 200), "octet"),
		append(rq(opRRQ, "ipxe.efi"), "octet"...),
		{0, 1}, {0, 4, 0, 0}, {},
	} {
		f.Add(seed)
	}
	s, conn := newAdmitServer(f)
	f.Fuzz(func(t *testing.T, packet []byte) {
		conn.sent = nil
		b := make([]byte, 2048)
		n := copy(b, packet)
		m := s.admit(b, n, client)
		assert.LessOrEqual(t, len(conn.sent), 1)
		if m == 0 {
			return
		}
		assert.Empty(t, conn.sent)
		req, err := ParseRequest(b[:m])
		require.NoError(t, err)
		require.False(t, req.Write)
		fi, err := s.root.Stat(req.Filename)
		require.NoError(t, err)
		require.True(t, fi.Mode().IsRegular())
	})
}
