// Package ipxe holds Slipway's iPXE script templates (text/template, one
// file per variant: *.ipxe.tmpl) so that internal/boot can embed them; see
// README.md for the variants and for where the iPXE boot binaries come from.
package ipxe

import (
	"embed"
	"io/fs"
)

//go:embed *.ipxe.tmpl
var templates embed.FS

// Templates returns the script templates, named <variant>.ipxe.tmpl.
func Templates() fs.FS { return templates }
