package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/ui"
)

// tryLogin posts a sign-in from a fresh client and answers the status
// and page.
func (h *harness) tryLogin(user, password string) (int, string) {
	h.t.Helper()
	c := h.client()
	_, body := c.get("/login")
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(h.t, m)
	res, body := c.post("/login", url.Values{"csrf": {m[1]}, "user": {user}, "password": {password}}, nil)
	return res.StatusCode, body
}

// TestSignInThrottle: repeated failed sign-ins for a user, or from an
// address, are refused for a while with a message that says so and when
// to try again; the window passing lets them in again.
func TestSignInThrottle(t *testing.T) {
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { now.Store(&t) }
	set(fixedNow)
	h := newHarness(t, ui.WithClock(func() time.Time { return *now.Load() }))

	for i := range ui.SignInFailuresPerUser {
		status, _ := h.tryLogin("operator", fmt.Sprintf("wrong %d", i))
		require.Equal(t, http.StatusUnauthorized, status, "attempt %d", i+1)
	}
	status, body := h.tryLogin("operator", testPassword)
	assert.Equal(t, http.StatusTooManyRequests, status, "even the right password waits")
	assert.Contains(t, body, "Too many failed sign-ins for this user. Try again in 15m00s.")

	status, _ = h.tryLogin("viewer", testPassword)
	assert.Equal(t, http.StatusSeeOther, status, "another user from the same address still signs in")

	set(fixedNow.Add(10 * time.Minute))
	_, body = h.tryLogin("operator", testPassword)
	assert.Contains(t, body, "Try again in 5m00s.")

	set(fixedNow.Add(ui.SignInWindow))
	status, _ = h.tryLogin("operator", testPassword)
	assert.Equal(t, http.StatusSeeOther, status, "the window passed")

	t.Run("per address", func(t *testing.T) {
		for i := range ui.SignInFailuresPerAddress {
			status, _ := h.tryLogin(fmt.Sprintf("nobody-%d", i), "wrong")
			require.Equal(t, http.StatusUnauthorized, status, "attempt %d", i+1)
		}
		status, body := h.tryLogin("admin", testPassword)
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.Contains(t, body, "Too many failed sign-ins for this address.")
	})
}

// TestSuccessClearsUserFailures: a successful sign-in forgets the user's
// earlier failures.
func TestSuccessClearsUserFailures(t *testing.T) {
	h := newHarness(t)
	for range ui.SignInFailuresPerUser - 1 {
		status, _ := h.tryLogin("admin", "wrong")
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, _ := h.tryLogin("admin", testPassword)
	require.Equal(t, http.StatusSeeOther, status)
	for range ui.SignInFailuresPerUser - 1 {
		status, _ := h.tryLogin("admin", "wrong")
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, _ = h.tryLogin("admin", testPassword)
	assert.Equal(t, http.StatusSeeOther, status)
}
