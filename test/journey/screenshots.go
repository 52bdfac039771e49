package journey

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slipway-dev/slipway/test/rack"
)

// ScreenshotDir is where the journey's UI screenshots go
// (<repo>/.cache/screenshots/journey, git-ignored).
func ScreenshotDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
	out := filepath.Join(dir, ".cache", "screenshots", "journey")
	return out, os.MkdirAll(out, 0o755)
}

// Screenshots signs in to the rack appliance's web UI as a new operator
// (created on the appliance host with `slipway user create`) in Debian's
// chromium and saves the rack view and each machine's detail page (its
// real timeline) as PNG files in dir. It returns the files written.
func Screenshots(ctx context.Context, r *rack.Rack, dir string, machines ...string) ([]string, error) {
	pages := []Page{{"/", "rack"}}
	for _, m := range machines {
		pages = append(pages, Page{"/machines/" + m, "machine-" + m})
	}
	return ScreenshotPages(ctx, r, dir, pages...)
}

// Page is a UI path and the name of its screenshot (without .png).
type Page struct{ Path, Name string }

// ScreenshotPages signs in as Screenshots does and saves each page.
func ScreenshotPages(ctx context.Context, r *rack.Rack, dir string, pages ...Page) ([]string, error) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		return nil, fmt.Errorf("chromium is not installed (apt-get install chromium): %w", err)
	}
	const user, password = "journey-ops", "journey-ops-password-1"
	if _, err := r.CLIStdin(ctx, password+"\n", "user", "create", user, "--role", "operator", "--password-stdin",
		"--config", filepath.Join(r.Dir, "slipway.yaml")); err != nil {
		return nil, fmt.Errorf("create UI user: %w", err)
	}
	profile, err := os.MkdirTemp("", "slipway-journey-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	alloc, cancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("ignore-certificate-errors", true), // the rack's own throwaway CA
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 800))
	defer cancel()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	tab, cancelTime := context.WithTimeout(tab, 2*time.Minute)
	defer cancelTime()
	base := r.URL()
	err = chromedp.Run(tab,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#user", chromedp.ByQuery),
		chromedp.SendKeys("#user", user, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click(`button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#summary", chromedp.ByQuery))
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	var files []string
	for _, p := range pages {
		var png []byte
		err := chromedp.Run(tab, chromedp.Navigate(base+p.Path), chromedp.WaitReady("main", chromedp.ByQuery),
			chromedp.Sleep(500*time.Millisecond), // let the live region's first swap land
			chromedp.FullScreenshot(&png, 100))   // 100: PNG
		if err != nil {
			return files, fmt.Errorf("screenshot %s: %w", p.Path, err)
		}
		f := filepath.Join(dir, p.Name+".png")
		if err := os.WriteFile(f, png, 0o644); err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}
