// Package browser drives Debian's chromium (headless, through chromedp)
// against a real appliance started in-process: the web UI as a person at
// the rack uses it. Every run saves a screenshot of each page under
// .cache/screenshots/ (git-ignored) at the repository root.
package browser

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium; without it the tests skip, unless
// SLIPWAY_TEST_BROWSER=require (make test) makes that a failure.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SLIPWAY_TEST_BROWSER") == "require" {
		t.Fatal("chromium is not installed (apt-get install chromium) and SLIPWAY_TEST_BROWSER=require")
	}
	t.Skip("chromium is not installed (apt-get install chromium); set SLIPWAY_TEST_BROWSER=require to fail instead")
	return ""
}

// stepTimeout bounds one step (a navigation, a click and what it waits for).
const stepTimeout = 60 * time.Second

// browser is one chromium process with a fresh profile.
type browser struct {
	t     *testing.T
	base  string
	alloc context.Context
	shots string
}

func newBrowser(t *testing.T, r *rack) *browser {
	path := chromiumPath(t)
	// A fresh profile, removed after chromium exits (its last writes can
	// outlive the allocator's cancel, which t.TempDir would report).
	profile, err := os.MkdirTemp("", "slipway-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("ignore-certificate-errors-spki-list", r.spkiB64),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return &browser{t: t, base: r.info.URL, alloc: alloc, shots: screenshotDir(t)}
}

// tab opens a new tab (its own cookies only when the browser is new:
// tabs of one browser share them).
func (b *browser) tab() context.Context {
	ctx, cancel := chromedp.NewContext(b.alloc)
	b.t.Cleanup(cancel)
	require.NoError(b.t, chromedp.Run(ctx)) // start the browser
	return ctx
}

// run runs actions in ctx, failing t with what failed (and a screenshot
// of the page as it was, FAILED-*.png).
func (b *browser) run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	err := chromedp.Run(step, actions...)
	if err != nil {
		var png []byte
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if chromedp.Run(sctx, chromedp.FullScreenshot(&png, 100)) == nil {
			_ = os.WriteFile(filepath.Join(b.shots, "FAILED-"+strings.ReplaceAll(what, " ", "-")+".png"), png, 0o644)
		}
	}
	require.NoError(t, err, what)
}

// shot saves a full-page screenshot as name.png.
func (b *browser) shot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	b.run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&png, 100))
	require.NoError(t, os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644))
}

// signIn signs in as user in ctx.
func (b *browser) signIn(ctx context.Context, user string) {
	b.t.Helper()
	b.run(b.t, ctx, "sign in as "+user,
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible("#user", chromedp.ByQuery),
		chromedp.SendKeys("#user", user, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#summary", chromedp.ByQuery),
	)
}

var screenshotOnce sync.Once

// screenshotDir is <repo>/.cache/screenshots, emptied once per run.
func screenshotDir(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test")
		dir = parent
	}
	out := filepath.Join(dir, ".cache", "screenshots")
	screenshotOnce.Do(func() { _ = os.RemoveAll(out) })
	require.NoError(t, os.MkdirAll(out, 0o755))
	return out
}

// syncWriter serialises writes from the appliance's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
