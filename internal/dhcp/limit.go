package dhcp

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (a MAC) with a bounded number of keys:
// a flood of random MACs fills it, stale buckets are pruned, and while it is
// full new keys are refused.
type limiter struct {
	mu    sync.Mutex
	burst float64
	every time.Duration
	max   int
	b     map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(burst int, every time.Duration, maxKeys int) *limiter {
	return &limiter{burst: float64(burst), every: every, max: maxKeys, b: map[string]*bucket{}}
}

// allow takes a token for key if it has one.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b[key]
	if b == nil {
		if len(l.b) >= l.max && !l.prune(now) {
			return false
		}
		b = &bucket{tokens: l.burst, last: now}
		l.b[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.last))/float64(l.every))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// prune drops buckets that have refilled; it reports whether room was made.
func (l *limiter) prune(now time.Time) bool {
	full := time.Duration(l.burst * float64(l.every))
	for k, b := range l.b {
		if now.Sub(b.last) >= full {
			delete(l.b, k)
		}
	}
	return len(l.b) < l.max
}
