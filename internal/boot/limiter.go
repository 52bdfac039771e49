package boot

import (
	"sync"
	"time"
)

// limiter lets one event per key through per interval, remembering at most
// max keys (so a flood of random MACs cannot grow it, or the event table,
// without bound: beyond max, keys are refused until old ones age out).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	max      int
	last     map[string]time.Time
}

func newLimiter(interval time.Duration, max int) *limiter {
	return &limiter{interval: interval, max: max, last: map[string]time.Time{}}
}

// allow reports whether key may have an event at now.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.interval {
		return false
	}
	if len(l.last) >= l.max {
		for k, t := range l.last {
			if now.Sub(t) >= l.interval {
				delete(l.last, k)
			}
		}
		if len(l.last) >= l.max {
			return false
		}
	}
	l.last[key] = now
	return true
}
