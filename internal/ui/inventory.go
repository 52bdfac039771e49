package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/slipway-dev/slipway/internal/inventory"
	"github.com/slipway-dev/slipway/internal/server"
)

// maxUpload bounds an uploaded inventory file.
const maxUpload = 4 << 20

type inventoryModel struct {
	base
	File    string
	Content string
	Prune   bool
	// Errors, when the inventory is invalid: each at its field and line.
	Errors []*inventory.FieldError
	Lines  []yamlLine
	// Plan, when it is valid.
	Plan    *inventory.Plan
	Changes []changeView
	Expect  string // the plan's expectations (JSON), sent back by Apply
	Applied bool
	Notice  string
}

// yamlLine is one numbered line of the pasted YAML with the errors on it.
type yamlLine struct {
	N      int
	Text   string
	Errors []*inventory.FieldError
}

type changeView struct {
	inventory.Change
	Lines []diffLine
}

type diffLine struct{ Kind, Text string } // add | del | hunk | ctx

// inventoryPage is the paste/upload form.
func (u *UI) inventoryPage(c echo.Context, r *request) error {
	m := inventoryModel{base: u.pageBase(r, "Inventory", "inventory"), File: "inventory.yaml"}
	return u.render(c, http.StatusOK, "inventory", &m)
}

// readInventory takes the uploaded file, or else the pasted text.
func readInventory(c echo.Context) (name, content string, err error) {
	name, content = c.FormValue("file"), c.FormValue("content")
	if fh, ferr := c.FormFile("upload"); ferr == nil && fh.Size > 0 {
		if fh.Size > maxUpload {
			return "", "", &pageError{status: http.StatusRequestEntityTooLarge, msg: "the file is over 4 MiB", field: "upload"}
		}
		f, err := fh.Open()
		if err != nil {
			return "", "", fmt.Errorf("read upload: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxUpload))
		if err != nil {
			return "", "", fmt.Errorf("read upload: %w", err)
		}
		name, content = fh.Filename, string(b)
	}
	if name == "" {
		name = "inventory.yaml"
	}
	if strings.TrimSpace(content) == "" {
		return name, content, &pageError{status: http.StatusBadRequest, msg: "paste YAML or choose a file", field: "content"}
	}
	return name, content, nil
}

// plan shows what applying the inventory would change (writing nothing).
func (u *UI) plan(c echo.Context, r *request) error {
	m := inventoryModel{base: u.pageBase(r, "Inventory plan", "inventory"), Prune: c.FormValue("prune") == "on"}
	var err error
	if m.File, m.Content, err = readInventory(c); err != nil {
		return err
	}
	server.SetTarget(c, "inventory")
	files := []inventory.File{{Name: m.File, Content: m.Content}}
	p, err := inventory.Apply(c.Request().Context(), u.db, files,
		inventory.ApplyOptions{Prune: m.Prune, DryRun: true, Actor: r.actor()})
	return u.showPlan(c, &m, p, err)
}

// apply applies exactly the reviewed plan (its expectations).
func (u *UI) apply(c echo.Context, r *request) error {
	m := inventoryModel{base: u.pageBase(r, "Inventory applied", "inventory"), Prune: c.FormValue("prune") == "on"}
	var err error
	if m.File, m.Content, err = readInventory(c); err != nil {
		return err
	}
	var expect []inventory.Expectation
	if err := json.Unmarshal([]byte(c.FormValue("expect")), &expect); err != nil {
		return &pageError{status: http.StatusBadRequest, msg: "the reviewed plan is missing; plan again", field: "expect"}
	}
	server.SetTarget(c, "inventory")
	files := []inventory.File{{Name: m.File, Content: m.Content}}
	p, err := inventory.Apply(c.Request().Context(), u.db, files,
		inventory.ApplyOptions{Prune: m.Prune, Expect: expect, Actor: r.actor()})
	var conflict *inventory.ConflictError
	if errors.As(err, &conflict) {
		server.SetResult(c, conflict.Error())
		m.Notice = "Not applied: " + conflict.Error() + ". Here is the new plan."
		p, err = inventory.Apply(c.Request().Context(), u.db, files,
			inventory.ApplyOptions{Prune: m.Prune, DryRun: true, Actor: r.actor()})
		return u.showPlan(c, &m, p, err)
	}
	if err == nil {
		m.Applied = true
	}
	return u.showPlan(c, &m, p, err)
}

// showPlan renders the plan, or the inventory's errors at their lines.
func (u *UI) showPlan(c echo.Context, m *inventoryModel, p *inventory.Plan, err error) error {
	if l, ok := inventory.AsErrorList(err); ok {
		m.Errors, m.Lines = l, numberLines(m.Content, l)
		server.SetResult(c, l[0].Error())
		return u.render(c, http.StatusUnprocessableEntity, "inventory", m)
	}
	if err != nil {
		return err
	}
	m.Plan = p
	for _, ch := range p.Changes {
		m.Changes = append(m.Changes, changeView{Change: ch, Lines: diffLines(ch.Diff)})
	}
	b, _ := json.Marshal(p.Expectations()) // plain structs always encode
	m.Expect = string(b)
	return u.render(c, http.StatusOK, "inventory", m)
}

// numberLines splits content into numbered lines carrying their errors;
// errors without a line stay in the list above.
func numberLines(content string, errs inventory.ErrorList) []yamlLine {
	text := strings.Split(strings.TrimRight(content, "\n"), "\n")
	lines := make([]yamlLine, len(text))
	for i, t := range text {
		lines[i] = yamlLine{N: i + 1, Text: t}
	}
	for _, e := range errs {
		if e.Line >= 1 && e.Line <= len(lines) {
			lines[e.Line-1].Errors = append(lines[e.Line-1].Errors, e)
		}
	}
	return lines
}

func diffLines(diff string) []diffLine {
	var out []diffLine
	for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
		k := "ctx"
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			k = "file"
		case strings.HasPrefix(l, "@@"):
			k = "hunk"
		case strings.HasPrefix(l, "+"):
			k = "add"
		case strings.HasPrefix(l, "-"):
			k = "del"
		}
		out = append(out, diffLine{k, l})
	}
	return out
}
