package ui_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagesRender(t *testing.T) {
	h := newHarness(t)
	h.apply(siteYAML(45))
	c := h.signIn("admin")
	for _, p := range []string{"/", "/machines", "/machines?sort=state&dir=desc&q=r1", "/machines/r1-u01", "/inventory",
		"/images", "/clusters", "/events", "/audit"} {
		res, body := c.get(p)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", p, body)
	}
}
