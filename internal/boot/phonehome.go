package boot

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// phoneHomePrefix is the installed OS's phone-home route: POST
// /boot/phone-home/<token> with cloud-init's phone_home form body.
const phoneHomePrefix = "/boot/phone-home/"

// maxPhoneHomeBody bounds the form (cloud-init posts keys and names).
const maxPhoneHomeBody = 64 << 10

// PhoneHomer takes an installed OS's call back (the journey service). An
// error that has an HTTPStatus() method is answered with that status.
type PhoneHomer interface {
	PhoneHome(ctx context.Context, addr, host, token string, fields map[string]string) error
}

// servePhoneHome answers POST /boot/phone-home/<token>.
func (s *Server) servePhoneHome(w http.ResponseWriter, r *http.Request, token string) {
	if s.phoneHome == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPhoneHomeBody)
	fields, err := phoneHomeFields(r)
	if err != nil {
		http.Error(w, "phone-home body: "+err.Error(), http.StatusBadRequest)
		return
	}
	err = s.phoneHome.PhoneHome(r.Context(), clientString(clientAddr(r)), r.Host, token, fields)
	var st interface{ HTTPStatus() int }
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	case errors.As(err, &st) && st.HTTPStatus() < 500:
		http.Error(w, err.Error(), st.HTTPStatus())
	default:
		s.log.Error("phone-home", "client", clientAddr(r), "err", err)
		http.Error(w, "could not record the phone-home", http.StatusInternalServerError)
	}
}

// phoneHomeFields reads the form cloud-init posts (urlencoded), or none.
func phoneHomeFields(r *http.Request) (map[string]string, error) {
	fields := map[string]string{}
	if r.ContentLength == 0 {
		return fields, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, errors.New("want application/x-www-form-urlencoded, got " + ct)
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			fields[k] = v[0]
		}
	}
	return fields, nil
}

// unescapeToken undoes URL escaping of the path's token part.
func unescapeToken(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
