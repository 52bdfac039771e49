package boot

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/slipway-dev/slipway/ipxe"
)

// ScriptData is what a script template sees. Every string is sanitized
// (see safe) before rendering.
type ScriptData struct {
	Name, MAC, State string
	Network          string
	Message          string
	// URLs the script points to.
	ScriptURL, KernelURL, InitrdURL string
	// The agent's kernel command line values.
	APIURL, Token, CAFingerprint string
}

// renderer renders the ipxe/ templates.
type renderer struct {
	t *template.Template
}

func newRenderer() (*renderer, error) {
	t, err := template.New("ipxe").Option("missingkey=error").ParseFS(ipxe.Templates(), "*.ipxe.tmpl")
	if err != nil {
		return nil, fmt.Errorf("boot: templates: %w", err)
	}
	for _, v := range []Variant{VariantAgent, VariantDisk, VariantDeny, VariantWait} {
		if t.Lookup(string(v)+".ipxe.tmpl") == nil {
			return nil, fmt.Errorf("boot: templates: %s.ipxe.tmpl is missing", v)
		}
	}
	return &renderer{t: t}, nil
}

// render renders variant v with d (sanitized first).
func (r *renderer) render(v Variant, d ScriptData) ([]byte, error) {
	for _, p := range []*string{&d.Name, &d.MAC, &d.State, &d.Network, &d.Message, &d.ScriptURL,
		&d.KernelURL, &d.InitrdURL, &d.APIURL, &d.Token, &d.CAFingerprint} {
		*p = safe(*p)
	}
	var b bytes.Buffer
	if err := r.t.ExecuteTemplate(&b, string(v)+".ipxe.tmpl", d); err != nil {
		return nil, fmt.Errorf("boot: render %s script: %w", v, err)
	}
	return b.Bytes(), nil
}

// maxValue bounds one rendered value.
const maxValue = 240

// safe makes s harmless on an iPXE command line: printable ASCII only, and
// none of the characters iPXE gives a meaning ($ expands settings, | and &
// chain commands, quotes and backslashes quote, # starts a comment at the
// start of a word); each becomes "_". Newlines and other controls become
// spaces. The result is at most maxValue bytes.
func safe(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case b.Len() >= maxValue:
			return b.String()
		case c < 0x20 || c == 0x7f:
			b.WriteByte(' ')
		case c > 0x7e || strings.ContainsRune(`$|&"'\#{}`+"`", c):
			b.WriteByte('_')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
