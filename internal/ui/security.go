package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// Names of the cookies and fields the pages use.
const (
	SessionCookie = "slipway_session"
	LoginCookie   = "slipway_login" // pre-sign-in CSRF token (double submit)
	CSRFField     = "csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// CSP is the pages' Content-Security-Policy: everything from the
// appliance itself, no inline script or style, no framing, forms and
// event streams only to the appliance.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// errCSRF is the refusal of a form without the session's token (403).
var errCSRF = errors.New("the form is stale or was not sent by this appliance (CSRF check failed); reload the page and try again")

// page sets the headers every page carries and renders a returned error as
// an error page with the status the API would answer.
func (u *UI) page(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		err := h(c)
		if err == nil || c.Response().Committed {
			return nil
		}
		return u.renderError(c, err)
	}
}

// signedIn authenticates the session cookie, requires role, and checks the
// CSRF token and origin of every POST.
func (u *UI) signedIn(role string, h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := u.session(c)
		if err != nil {
			return err
		}
		if r == nil {
			if c.Request().Method == http.MethodGet && c.Request().Header.Get("HX-Request") == "" {
				return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			return &pageError{status: http.StatusUnauthorized, msg: "Your session has ended. Sign in again."}
		}
		server.SetActor(c, r.actor(), r.role)
		if c.Request().Method == http.MethodPost {
			if err := checkCSRF(c, r.csrf); err != nil {
				return err
			}
		}
		if !r.can(role) {
			return &pageError{status: http.StatusForbidden,
				msg: fmt.Sprintf("%s has role %s; this needs role %s", r.actor(), r.role, role)}
		}
		return h(c, r)
	}
}

// session returns the caller's unexpired session, nil when there is none.
func (u *UI) session(c echo.Context) (*request, error) {
	ck, err := c.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	h := sha256.Sum256([]byte(ck.Value))
	var (
		s    store.Session
		user store.User
	)
	err = u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		if s, err = tx.GetSession(h[:]); err != nil {
			return err
		}
		user, err = tx.GetUser(s.User)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return &request{user: user.Name, role: user.Role, csrf: s.CSRF, session: h[:]}, nil
}

// checkCSRF requires the token (form field or header) to equal want and
// a same-origin request (Origin or Sec-Fetch-Site, when the browser sends them).
func checkCSRF(c echo.Context, want string) error {
	req := c.Request()
	if site := req.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return &pageError{status: http.StatusForbidden, msg: errCSRF.Error()}
	}
	if o := req.Header.Get("Origin"); o != "" {
		ou, err := url.Parse(o)
		if err != nil || ou.Host != req.Host {
			return &pageError{status: http.StatusForbidden, msg: errCSRF.Error()}
		}
	}
	got := req.Header.Get(CSRFHeader)
	if got == "" {
		got = req.FormValue(CSRFField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &pageError{status: http.StatusForbidden, msg: errCSRF.Error()}
	}
	return nil
}

// randomToken is 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie sets a cookie the way every cookie of the UI is set: HttpOnly,
// Secure, SameSite=Strict, for the whole site.
func setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

// pageError is an error with the status and message a page shows.
type pageError struct {
	status int
	msg    string
	field  string
}

func (e *pageError) Error() string { return e.msg }

// statusOf maps err to the status and message shown, as the API would.
func statusOf(err error) (int, string, string) {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe.status, pe.msg, pe.field
	}
	status, body := server.ErrorStatus(err)
	return status, body.Message, body.Field
}
