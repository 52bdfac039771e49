package ui

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/slipway-dev/slipway/internal/auth"
	"github.com/slipway-dev/slipway/internal/server"
	"github.com/slipway-dev/slipway/internal/store"
)

// MinPasswordLength is the shortest password a user may have.
const MinPasswordLength = 12

// bcryptCost is the work factor of stored password hashes (a variable only
// so the package's tests, which hash hundreds of passwords under the race
// detector, can lower it in TestMain).
var bcryptCost = productionBcryptCost

// productionBcryptCost is the cost the appliance hashes with.
const productionBcryptCost = 12

// dummyHash is compared against when the user does not exist, so a wrong
// name costs as long as a wrong password: it has the same cost as stored
// hashes (made on first use, not at start-up).
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("slipway-no-such-user"), bcryptCost)
	return h
})

// NewUser checks name, role and password and returns the user to store,
// with the password hashed (bcrypt).
func NewUser(name, role, password, createdBy string) (store.User, error) {
	switch {
	case name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n:/"):
		return store.User{}, errors.New("user name: 1 to 64 characters, no spaces, ':' or '/'")
	case !auth.ValidRole(role):
		return store.User{}, fmt.Errorf("role %q: want viewer, operator or admin", role)
	case len(password) < MinPasswordLength:
		return store.User{}, fmt.Errorf("password: at least %d characters", MinPasswordLength)
	case len(password) > 72:
		return store.User{}, errors.New("password: at most 72 bytes (bcrypt)")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return store.User{}, fmt.Errorf("hash password: %w", err)
	}
	return store.User{Name: name, Role: role, PasswordHash: h, CreatedBy: createdBy}, nil
}

type loginModel struct {
	base
	Next  string
	User  string
	Error string
}

// loginPage shows the sign-in form with a fresh pre-sign-in CSRF token.
func (u *UI) loginPage(c echo.Context) error {
	tok := randomToken()
	setCookie(c, LoginCookie, tok, 600)
	m := loginModel{base: base{Title: "Sign in", CSRF: tok, Vendor: u.vendor}, Next: safeNext(c.QueryParam("next"))}
	return u.render(c, http.StatusOK, "login", &m)
}

// login checks the password, opens a session and redirects to next.
func (u *UI) login(c echo.Context) error {
	ck, err := c.Cookie(LoginCookie)
	if err != nil || ck.Value == "" ||
		subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.FormValue(CSRFField))) != 1 {
		return &pageError{status: http.StatusForbidden, msg: errCSRF.Error()}
	}
	name, pw := c.FormValue("user"), c.FormValue("password")
	server.SetTarget(c, name)
	keys := signInKeys(name, c.Request().RemoteAddr)
	if d, key := u.throttle.wait(u.now(), keys...); d > 0 {
		msg := throttledMessage(key, d)
		server.SetResult(c, msg)
		c.Response().Header().Set("Retry-After", fmt.Sprint(int(d.Seconds()+1)))
		return u.loginAgain(c, http.StatusTooManyRequests, name, msg)
	}
	user, ok, err := u.checkPassword(c, name, pw)
	if err != nil {
		return err
	}
	if !ok {
		u.throttle.fail(u.now(), keys...)
		server.SetResult(c, "wrong user name or password")
		return u.loginAgain(c, http.StatusUnauthorized, name, "Wrong user name or password.")
	}
	u.throttle.clear(keys[0])
	raw := randomToken()
	h := sha256.Sum256([]byte(raw))
	s := store.Session{Hash: h[:], User: user.Name, CSRF: randomToken(), ExpiresAt: time.Now().Add(SessionTTL)}
	err = u.db.Update(c.Request().Context(), func(tx *store.Tx) error {
		if _, err := tx.DeleteExpiredSessions(tx.Now()); err != nil {
			return err
		}
		return tx.CreateSession(&s)
	})
	if err != nil {
		return fmt.Errorf("open session: %w", err)
	}
	server.SetActor(c, "user:"+user.Name, user.Role)
	setCookie(c, SessionCookie, raw, int(SessionTTL.Seconds()))
	setCookie(c, LoginCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// loginAgain shows the sign-in form again with msg, and a fresh token.
func (u *UI) loginAgain(c echo.Context, status int, name, msg string) error {
	tok := randomToken()
	setCookie(c, LoginCookie, tok, 600)
	m := loginModel{base: base{Title: "Sign in", CSRF: tok, Vendor: u.vendor}, Next: safeNext(c.FormValue("next")),
		User: name, Error: msg}
	return u.render(c, status, "login", &m)
}

// checkPassword compares in constant time per attempt (bcrypt), also for
// an unknown user.
func (u *UI) checkPassword(c echo.Context, name, pw string) (store.User, bool, error) {
	var user store.User
	err := u.db.View(c.Request().Context(), func(tx *store.Tx) error {
		var err error
		user, err = tx.GetUser(name)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || name == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return user, false, nil
	}
	if err != nil {
		return user, false, fmt.Errorf("look up user: %w", err)
	}
	return user, bcrypt.CompareHashAndPassword(user.PasswordHash, []byte(pw)) == nil, nil
}

// logout ends the session.
func (u *UI) logout(c echo.Context, r *request) error {
	err := u.db.Update(c.Request().Context(), func(tx *store.Tx) error { return tx.DeleteSession(r.session) })
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	setCookie(c, SessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps a redirect target on this site (a path, not //host).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
