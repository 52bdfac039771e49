// Package web holds the rack-side web UI's templates and static assets,
// embedded into the binary. static/vendor (htmx and its SSE extension) is
// copied there from npm by `make web` and is git-ignored: without it the UI
// still works as plain HTML forms, only without live updates.
package web

import "embed"

// FS holds templates/*.html and static/**.
//
//go:embed templates static
var FS embed.FS
