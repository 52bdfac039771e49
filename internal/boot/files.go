package boot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// AgentFiles are the files /boot/agent/ serves from the agent directory.
func AgentFiles() []string { return []string{"vmlinuz", "initrd"} }

// serveAgent serves the agent's kernel or initramfs and records
// boot.kernel / boot.initrd (with the bytes sent) on the machine named by
// the "mac" query parameter.
func (s *Server) serveAgent(w *respWriter, r *http.Request, name string) {
	event := map[string]string{"vmlinuz": "boot.kernel", "initrd": "boot.initrd"}[name]
	if event == "" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if s.agent == nil {
		http.Error(w, "no agent configured (netboot.agentDir)", http.StatusNotFound)
		return
	}
	start := time.Now()
	size, ok := s.serveFile(w, r, s.agent, name)
	if !ok || r.Method != http.MethodGet {
		return
	}
	s.recordFetch(r, event, name, w.bytes, size, time.Since(start))
}

// serveFile serves name from root (nil: not configured) with Range
// support. It returns the file's size and whether it was found.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, root *os.Root, name string) (int64, bool) {
	if root == nil || !localName(name) {
		http.Error(w, "not found", http.StatusNotFound)
		return 0, false
	}
	f, err := root.Open(name)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return 0, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.Error(w, "not found", http.StatusNotFound)
		return 0, false
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeBudget(fi.Size())))
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return fi.Size(), true
}

// localName accepts a relative slash path that stays inside its root.
func localName(name string) bool {
	return name != "" && !strings.ContainsRune(name, '\\') && filepath.IsLocal(name)
}

// eventTimeout bounds the store write of a fetch event.
const eventTimeout = 5 * time.Second

// writeBudget is how long sending size bytes may take: a minute plus one
// second per MiB (a 1 MiB/s floor), so a stalled reader cannot hold a
// connection forever.
func writeBudget(size int64) time.Duration {
	return time.Minute + time.Duration(size>>20)*time.Second
}

// recordFetch appends a boot.kernel or boot.initrd event.
func (s *Server) recordFetch(r *http.Request, event, file string, sent, size int64, took time.Duration) {
	data, _ := json.Marshal(map[string]any{"file": file, "bytes": sent, "size": size,
		"durationMs": took.Milliseconds(), "client": clientString(clientAddr(r))})
	// The client may hang up once it has the last byte: the event is still written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), eventTimeout)
	defer cancel()
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		name, err := machineFor(tx, r)
		if err != nil {
			return err
		}
		return tx.AppendEvent(&store.Event{Machine: name, Type: event, Actor: "system", Data: data,
			Message: fmt.Sprintf("%s: %d of %d bytes in %s", file, sent, size, took.Round(time.Millisecond))})
	})
	if err != nil && !errors.Is(err, errNoMachine) {
		s.log.Warn("boot: record fetch", "event", event, "err", err)
	}
}
