package ui

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Sign-in throttling: after this many failed sign-ins within
// SignInWindow for one user name, or from one address, further attempts
// for it are refused (without checking the password) until the oldest
// failure leaves the window.
const (
	SignInFailuresPerUser    = 5
	SignInFailuresPerAddress = 20
	SignInWindow             = 15 * time.Minute
	// maxThrottled bounds the memory the throttle uses.
	maxThrottled = 10000
)

// throttle counts recent failed sign-ins per key ("user:NAME", "addr:IP").
type throttle struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newThrottle() *throttle { return &throttle{fails: map[string][]time.Time{}} }

// limit is the number of failures a key may have within the window.
func limit(key string) int {
	if len(key) > 5 && key[:5] == "addr:" {
		return SignInFailuresPerAddress
	}
	return SignInFailuresPerUser
}

// wait is how long until keys may try again (0: now), and which key
// holds them back.
func (t *throttle) wait(now time.Time, keys ...string) (time.Duration, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	var which string
	for _, k := range keys {
		recent := t.recent(now, k)
		if n := len(recent); n >= limit(k) {
			if d := recent[n-limit(k)].Add(SignInWindow).Sub(now); d > longest {
				longest, which = d, k
			}
		}
	}
	return longest, which
}

// fail records a failed sign-in for keys.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) >= maxThrottled {
		for k := range t.fails {
			if len(t.recent(now, k)) == 0 {
				delete(t.fails, k)
			}
		}
	}
	for _, k := range keys {
		if _, ok := t.fails[k]; ok || len(t.fails) < maxThrottled {
			t.fails[k] = append(t.recent(now, k), now)
		}
	}
}

// clear forgets key's failures (a successful sign-in for that user).
func (t *throttle) clear(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// recent drops key's failures older than the window and returns the rest.
func (t *throttle) recent(now time.Time, key string) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= SignInWindow {
		i++
	}
	if i == len(fs) {
		delete(t.fails, key)
		return nil
	}
	fs = fs[i:]
	t.fails[key] = fs
	return fs
}

// signInKeys are the throttle keys of a sign-in: its user name and the
// address it came from (the connection's, not a forwarded header's).
func signInKeys(user, remoteAddr string) []string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return []string{"user:" + user, "addr:" + host}
}

// throttledMessage says why a sign-in is refused and when to try again.
func throttledMessage(key string, d time.Duration) string {
	who := "this user"
	if len(key) > 5 && key[:5] == "addr:" {
		who = "this address"
	}
	return fmt.Sprintf("Too many failed sign-ins for %s. Try again in %s.", who, fmtDuration(d.Round(time.Second)))
}
