package boot

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// routes dispatches by path prefix itself (no ServeMux path cleaning or
// redirects: a request is answered by its handler or with a 4xx).
func (s *Server) routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &respWriter{ResponseWriter: w, code: http.StatusOK}
		route := s.dispatch(rw, r)
		s.metrics.WithLabelValues(route, strconv.Itoa(rw.code)).Inc()
	})
}

// prefixes maps each path prefix to its route name.
var prefixes = [...]struct{ prefix, route string }{
	{"/boot/ipxe/", "script"}, {"/boot/bin/", "bin"}, {"/boot/agent/", "agent"}, {"/images/", "images"},
	{phoneHomePrefix, "phone-home"},
}

func (s *Server) dispatch(w *respWriter, r *http.Request) string {
	route, rest := "other", ""
	for _, p := range prefixes {
		if after, ok := strings.CutPrefix(r.URL.Path, p.prefix); ok {
			route, rest = p.route, after
			break
		}
	}
	switch {
	case route == "other":
		http.Error(w, "not found", http.StatusNotFound)
	case route == "phone-home":
		s.servePhoneHome(w, r, unescapeToken(rest))
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case r.ContentLength != 0:
		http.Error(w, "a request body is not allowed", http.StatusBadRequest)
	case route == "script":
		s.serveScript(w, r, rest)
	case route == "bin":
		s.serveFile(w, r, s.bin, rest)
	case route == "agent":
		s.serveAgent(w, r, rest)
	default:
		s.serveImage(w, r, rest)
	}
	return route
}

// respWriter records the status code and the bytes written. It passes
// ReadFrom through, so files still go out with sendfile.
type respWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (w *respWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *respWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// serveImage serves /images/<name>: with a resolver only the content file
// of a ready image, otherwise the file of that name in ImagesDir.
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request, name string) {
	if s.resolver != nil {
		file, ok := s.resolver.ImageFile(r.Context(), name)
		if !ok {
			http.Error(w, "not found (no ready image of that name)", http.StatusNotFound)
			return
		}
		name = file
	}
	s.serveFile(w, r, s.images, name)
}
