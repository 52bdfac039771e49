package browser

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/test/ipmisim"
)

// TestRackSide is the rack-side journey in a real chromium: sign in, watch
// the rack update live, power a machine on through its ipmi_sim BMC and see
// the state change without a reload, review and apply an inventory plan,
// and check that a viewer cannot act.
func TestRackSide(t *testing.T) {
	chromiumPath(t)
	r := startAppliance(t)
	bmcs := []string{"", "", ""}
	sim := ipmisim.Available() == ""
	if sim {
		b := ipmisim.Start(t, 1, "web", ipmisim.Options{})[0]
		b.WaitReady(t)
		bmcs[0] = b.Address()
		r.call(http.MethodPost, "/api/v1/credentials", api.CredentialsRequest{Name: "sim-bmc",
			Username: ipmisim.Username, Password: ipmisim.Password}, nil)
	} else {
		t.Log("ipmi_sim is not available: the power test is replaced by a lifecycle action")
	}
	r.applyInventory(siteYAML(bmcs, true))
	br := newBrowser(t, r)
	op := br.tab()
	br.signIn(op, "operator")
	br.shot(t, op, "01-rack")

	t.Run("rack updates live", func(t *testing.T) {
		br.run(t, op, "mark the page", chromedp.Evaluate(`window.__noReload = 1`, nil))
		r.call(http.MethodPost, "/api/v1/machines/r1-u03/actions", api.ActionRequest{Action: "maintenance-on"}, nil)
		br.run(t, op, "tile turns maintenance", waitFor(`#m-r1-u03.st-maintenance`))
		assertNoReload(t, br, op)
		br.shot(t, op, "02-rack-live")
	})

	t.Run("power on without reload", func(t *testing.T) {
		br.run(t, op, "open machine", chromedp.Navigate(r.info.URL+"/machines/r1-u01"),
			waitFor(`#timeline`), chromedp.Evaluate(`window.__noReload = 1`, nil))
		br.shot(t, op, "03-machine-before")
		if sim {
			br.run(t, op, "press power on", click(`button[data-action="power-on"]`),
				waitFor(`#flash .flash.ok`))
			br.run(t, op, "power shows on", waitText(`#machine-status .power`, "power on", 60*time.Second))
			require.Equal(t, "on", r.machine("r1-u01").Power)
			br.run(t, op, "timeline shows power", waitFor(`#timeline .phase.ph-done`))
		} else {
			br.run(t, op, "press maintenance on", click(`button[data-action="maintenance-on"]`),
				waitText(`#machine-status .badge`, "maintenance", 30*time.Second))
		}
		assertNoReload(t, br, op)
		br.shot(t, op, "04-machine-after")
	})

	t.Run("destructive action asks first", func(t *testing.T) {
		br.run(t, op, "press power off", click(`button[data-action="power-off"]`),
			waitFor(`#flash .flash.confirm`))
		br.shot(t, op, "05-confirm")
		br.run(t, op, "cancel", click(`#flash [data-dismiss="flash"]`),
			waitGone(`#flash .flash.confirm`))
	})

	t.Run("inventory plan and apply", func(t *testing.T) {
		yaml := siteYAML(append(bmcs, ""), true) // adds r1-u04
		br.run(t, op, "paste and plan", chromedp.Navigate(r.info.URL+"/inventory"),
			waitFor(`#content`),
			chromedp.SetValue(`#content`, yaml, chromedp.ByQuery),
			click(`#plan`),
			waitFor(`#apply`))
		var plan string
		br.run(t, op, "read plan", chromedp.Text(`.plan h2`, &plan, chromedp.ByQuery))
		assert.Contains(t, plan, "1 to create")
		br.shot(t, op, "06-inventory-plan")
		br.run(t, op, "apply", click(`#apply`), waitFor(`#applied`))
		br.shot(t, op, "07-inventory-applied")
		assert.Equal(t, "registered", r.machine("r1-u04").State)

		br.run(t, op, "an invalid inventory", chromedp.Navigate(r.info.URL+"/inventory"),
			waitFor(`#content`),
			chromedp.SetValue(`#content`, strings.Replace(yaml, "mac: \"52:54:00:aa:00:04\"", "mac: not-a-mac", 1), chromedp.ByQuery),
			click(`#plan`),
			waitFor(`.source li.has-error .err`))
		var errText string
		br.run(t, op, "read error", chromedp.Text(`.source li.has-error .err`, &errText, chromedp.ByQuery))
		assert.Contains(t, errText, "spec.mac")
		br.shot(t, op, "08-inventory-error")
	})

	t.Run("other pages", func(t *testing.T) {
		for i, p := range []string{"/machines", "/machines?state=registered&sort=rack", "/clusters", "/images", "/events"} {
			br.run(t, op, p, chromedp.Navigate(r.info.URL+p), waitFor(`main h1`))
			br.shot(t, op, fmt.Sprintf("%02d-%s", 9+i, slug(p)))
		}
		br.run(t, op, "/fleet", chromedp.Navigate(r.info.URL+"/fleet"), waitFor(`main h1`))
		br.shot(t, op, "22-fleet")
	})

	t.Run("viewer cannot act", func(t *testing.T) {
		vb := newBrowser(t, r)
		v := vb.tab()
		vb.signIn(v, "viewer")
		vb.run(t, v, "open machine", chromedp.Navigate(r.info.URL+"/machines/r1-u01"), waitFor(`#actions`))
		var n int
		vb.run(t, v, "count buttons", chromedp.Evaluate(`document.querySelectorAll("button[data-action]").length`, &n))
		assert.Zero(t, n, "a viewer sees no action buttons")
		vb.shot(t, v, "14-viewer-machine")
		var status int
		vb.run(t, v, "forge a power-on", chromedp.Evaluate(`fetch("/machines/r1-u01/actions", {method: "POST",
			body: new URLSearchParams({csrf: document.querySelector('input[name=csrf]').value, action: "power-on"})}).then(r => r.status)`,
			&status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		assert.Equal(t, http.StatusForbidden, status, "the server refuses a viewer's action")
		var audit int
		vb.run(t, v, "audit is admin only", chromedp.Evaluate(`fetch("/audit").then(r => r.status)`, &audit,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		assert.Equal(t, http.StatusForbidden, audit)
	})

	t.Run("admin audit and phone", func(t *testing.T) {
		ab := newBrowser(t, r)
		a := ab.tab()
		ab.signIn(a, "admin")
		ab.run(t, a, "audit", chromedp.Navigate(r.info.URL+"/audit"), waitFor(`main h1`))
		var rows string
		ab.run(t, a, "audit rows", chromedp.Text(`main table tbody`, &rows, chromedp.ByQuery))
		assert.Contains(t, rows, "user:operator", "the operator's actions are audited")
		assert.Contains(t, rows, "user:viewer", "and the viewer's refused one")
		ab.shot(t, a, "15-audit")
		ab.run(t, a, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(r.info.URL+"/"), waitFor(`#summary`))
		ab.shot(t, a, "16-phone-rack")
		ab.run(t, a, "phone machine", chromedp.Navigate(r.info.URL+"/machines/r1-u01"), waitFor(`#timeline`))
		ab.shot(t, a, "17-phone-machine")
	})
}

// assertNoReload checks the marker set before the action is still there.
func assertNoReload(t *testing.T, br *browser, ctx context.Context) {
	t.Helper()
	var v int
	br.run(t, ctx, "marker", chromedp.Evaluate(`window.__noReload || 0`, &v))
	assert.Equal(t, 1, v, "the page was not reloaded")
}

func slug(p string) string {
	return strings.NewReplacer("/", "", "?", "-", "&", "-", "=", "-").Replace(strings.TrimPrefix(p, "/"))
}

// waitText polls (in the page) until the element's text contains want.
func waitText(sel, want string, _ time.Duration) chromedp.Action {
	return pollJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q); })()`, sel, want))
}

// The page changes under the test (server-sent fragments replace nodes), so
// the test finds, clicks and waits for elements in the page itself rather
// than through chromedp's node cache, which can wait forever on a replaced node.

// waitFor polls until selector matches a rendered element. It keeps
// polling across a navigation (a form post loads a new document).
func waitFor(sel string) chromedp.Action {
	return pollJS(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0; })()`, sel))
}

// pollJS evaluates a boolean expression every 50 ms until it is true.
func pollJS(js string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var ok bool
			if err := chromedp.Evaluate(js, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", js, ctx.Err())
			case <-tick.C:
			}
		}
	})
}

// waitGone polls until nothing matches selector.
func waitGone(sel string) chromedp.Action {
	return pollJS(fmt.Sprintf(`document.querySelector(%q) === null`, sel))
}

// click clicks the element (the click event a press fires: the button's
// form is submitted as it would be by a finger or a mouse).
func click(sel string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) throw new Error("no " + %q); e.focus(); e.click(); return true; })()`, sel, sel), nil)
}
