package tftp

import (
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"strings"
)

// gate is the packet connection pin/tftp reads requests from. It reads from
// the real connection and hands on only admitted read requests (rewritten
// in normalized form); every other request is answered here with an error
// packet and counted, and stray non-request packets are dropped.
type gate struct {
	net.PacketConn
	s *Server
}

// ReadFrom returns the next admitted request.
func (g *gate) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		if m := g.s.admit(b, n, addr); m > 0 {
			return m, addr, nil
		}
	}
}

// admit decides on one packet of n bytes in b from addr. It returns the
// length of the normalized request it wrote into b, or 0 when the packet
// was answered with an error or dropped.
func (s *Server) admit(b []byte, n int, addr net.Addr) int {
	req, err := ParseRequest(b[:n])
	var rerr *RequestError
	if errors.As(err, &rerr) {
		if n >= 2 && b[0] == 0 && (b[1] == opRRQ || b[1] == opWRQ) {
			s.reject(addr, "bad_request", rerr, "")
		} else {
			s.metrics.dropped.Inc() // not a request: no answer (no reflection)
		}
		return 0
	}
	if err = s.check(req); err != nil {
		errors.As(err, &rerr)
		s.reject(addr, resultOf(rerr.Code), rerr, req.Filename)
		return 0
	}
	m := appendRRQ(b, req)
	if m == 0 {
		s.reject(addr, "bad_request", refuse(CodeIllegal, "request too long"), req.Filename)
	}
	return m
}

// check applies the server's policy to a well-formed request.
func (s *Server) check(req Request) error {
	if req.Write {
		return refuse(CodeAccess, "read-only server: writes are refused")
	}
	if err := s.checkPath(req.Filename); err != nil {
		return err
	}
	if s.active.Load() >= int64(s.cfg.MaxTransfers) {
		return refuse(CodeUndefined, "server busy (%d transfers): try again later", s.cfg.MaxTransfers)
	}
	return nil
}

// checkPath confines name to the root: absolute paths, "..", backslashes
// and symlinks that leave the root are access violations; a missing file or
// a directory is "file not found".
func (s *Server) checkPath(name string) error {
	if strings.ContainsRune(name, '\\') || filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return refuse(CodeAccess, "%.64q is outside the TFTP root", name)
	}
	fi, err := s.root.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return refuse(CodeNotFound, "%.64q: file not found", name)
	case err != nil:
		return refuse(CodeAccess, "%.64q is outside the TFTP root", name)
	case !fi.Mode().IsRegular():
		return refuse(CodeNotFound, "%.64q is not a file", name)
	}
	return nil
}

// reject answers addr with an error packet and counts the result.
func (s *Server) reject(addr net.Addr, result string, e *RequestError, file string) {
	s.metrics.transfers.WithLabelValues(result).Inc()
	s.log.Debug("tftp request refused", "client", addr.String(), "file", file, "code", e.Code, "why", e.Message)
	if _, err := s.pconn.WriteTo(errorPacket(e.Code, e.Message), addr); err != nil {
		s.log.Debug("tftp: send error packet", "client", addr.String(), "err", err)
	}
}

func resultOf(code uint16) string {
	switch code {
	case CodeNotFound:
		return "not_found"
	case CodeAccess:
		return "denied"
	case CodeUndefined:
		return "refused"
	}
	return "bad_request"
}
