package ui_test

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/ui"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scrub replaces what changes from run to run (times, tokens, IDs).
var scrubs = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`name="csrf" value="[^"]+"`), `name="csrf" value="CSRF"`},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z`), "TIME"},
	{regexp.MustCompile(`\d{2}:\d{2}:\d{2}Z?`), "HH:MM:SS"},
	{regexp.MustCompile(`\b\d+(ms|s|m\d{2}s|h\d{2}m|d\d+h)( ago)?\b`), "DUR"},
	{regexp.MustCompile(`op_[a-z2-7]+`), "op_ID"},
	{regexp.MustCompile(`ev-\d+`), "ev-N"},
	{regexp.MustCompile(`after=\d+`), "after=N"},
	{regexp.MustCompile(`&#34;revision&#34;:\d+`), "&#34;revision&#34;:N"},
}

// mainOf is the page's <main> element, scrubbed.
func mainOf(t *testing.T, body string) string {
	i, j := strings.Index(body, "<main"), strings.Index(body, "</main>")
	require.True(t, i >= 0 && j > i, "no <main> in %s", body)
	s := body[i : j+len("</main>")]
	for _, sc := range scrubs {
		s = sc.re.ReplaceAllString(s, sc.with)
	}
	return s + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".html")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), got, "%s differs; run go test -update and review the diff", path)
}

// TestGoldenPages renders each page for a small site and compares its
// <main> with testdata/*.html.
func TestGoldenPages(t *testing.T) {
	h := newHarness(t, ui.WithClock(func() time.Time { return fixedNow }))
	h.apply(siteYAML(3))
	op := h.signIn("operator")
	res, _ := op.post("/machines/r1-u02/actions", op.form("action", "maintenance-on"), nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, tt := range []struct{ name, path string }{
		{"rack", "/"},
		{"machines", "/machines?sort=state"},
		{"machines-filtered", "/machines?state=maintenance"},
		{"machine", "/machines/r1-u02"},
		{"clusters", "/clusters"},
		{"images", "/images"},
		{"inventory", "/inventory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := op.get(tt.path)
			require.Equal(t, http.StatusOK, res.StatusCode)
			golden(t, tt.name, mainOf(t, body))
		})
	}
	t.Run("inventory-plan", func(t *testing.T) {
		yaml := strings.Replace(siteYAML(4), "cpus: 4", "cpus: 8", 1)
		res, body := op.post("/inventory/plan", op.form("content", yaml, "file", "site.yaml"), nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		golden(t, "inventory-plan", mainOf(t, body))
	})
	t.Run("inventory-errors", func(t *testing.T) {
		bad := strings.Replace(siteYAML(1), "cpus: 4", "cpus: four", 1) + "  colour: blue\n"
		res, body := op.post("/inventory/plan", op.form("content", bad, "file", "bad.yaml"), nil)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		golden(t, "inventory-errors", mainOf(t, body))
	})
	t.Run("confirm-fragment", func(t *testing.T) {
		res, body := op.post("/machines/r1-u01/actions", op.form("action", "power-off"), http.Header{"Hx-Request": {"true"}})
		require.Equal(t, http.StatusOK, res.StatusCode)
		golden(t, "confirm-fragment", mainOf(t, "<main>"+body+"</main>"))
	})
	_ = url.Values{}
}
