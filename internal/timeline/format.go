package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// Describe is one line for an event: its type (or state change), message
// and time.
func Describe(e *store.Event) string {
	return Summary(e) + " at " + e.Time.UTC().Format("15:04:05Z")
}

// Summary is an event's type (or state change) and message.
func Summary(e *store.Event) string {
	s := e.Type
	if e.Type == "state" {
		s = "state " + strings.TrimSpace(e.From+" → "+e.To)
	}
	if e.Message != "" {
		s += " (" + e.Message + ")"
	}
	return s
}

// Short is a compact duration: 850ms, 12s, 3m05s, 2h10m, 3d4h.
func Short(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.0fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// Precise is a duration with a tenth of a second below a minute, and in
// milliseconds below a tenth: 40ms, 0.4s, 14.2s, 3m05s (the CLI's
// timeline column).
func Precise(d time.Duration) string {
	if d >= 0 && d < 100*time.Millisecond {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	if d >= 0 && d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return Short(d)
}
