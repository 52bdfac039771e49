package tftp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	pintftp "github.com/pin/tftp/v3"

	"github.com/slipway-dev/slipway/internal/store"
)

// errBusy refuses a transfer that lost the race for the last slot.
var errBusy = errors.New("server busy: try again later")

// readBuffer is how much of a file one read fetches (many blocks).
const readBuffer = 64 << 10

// Transfer is one finished transfer.
type Transfer struct {
	Client   netip.Addr
	File     string
	Bytes    int64
	Duration time.Duration
}

// read is pin/tftp's read handler: it sends one admitted file.
func (s *Server) read(name string, rf io.ReaderFrom) error {
	if s.active.Add(1) > int64(s.cfg.MaxTransfers) {
		s.active.Add(-1)
		s.metrics.transfers.WithLabelValues("refused").Inc()
		return errBusy
	}
	s.metrics.active.Inc()
	defer func() { s.active.Add(-1); s.metrics.active.Dec() }()
	start := time.Now()
	f, err := s.root.Open(name)
	if err != nil {
		s.metrics.transfers.WithLabelValues("not_found").Inc()
		return fmt.Errorf("%s: file not found", name)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.metrics.transfers.WithLabelValues("failed").Inc()
		return fmt.Errorf("%s: %w", name, err)
	}
	t := Transfer{File: name}
	if ot, ok := rf.(pintftp.OutgoingTransfer); ok {
		ot.SetSize(fi.Size()) // tsize, since the buffered reader cannot seek
		ra := ot.RemoteAddr()
		t.Client = ra.AddrPort().Addr().Unmap()
	}
	t.Bytes, err = rf.ReadFrom(ctxReader{ctx: s.life, r: bufio.NewReaderSize(f, readBuffer)})
	t.Duration = time.Since(start)
	s.metrics.bytes.Add(float64(t.Bytes))
	if err != nil {
		s.metrics.transfers.WithLabelValues("failed").Inc()
		s.log.Info("tftp transfer failed", "client", t.Client, "file", name, "bytes", t.Bytes, "err", err)
		return err
	}
	s.metrics.transfers.WithLabelValues("ok").Inc()
	s.log.Debug("tftp transfer done", "client", t.Client, "file", name, "bytes", t.Bytes, "duration", t.Duration)
	s.record(t)
	return nil
}

// record writes a tftp.done event on the machine the client belongs to.
// Clients that belong to no known machine are only logged.
func (s *Server) record(t Transfer) {
	if s.deps.DB == nil || s.deps.Leases == nil || !t.Client.IsValid() {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.life), eventTimeout)
	defer cancel()
	if err := RecordDone(ctx, s.deps.DB, s.deps.Leases, t); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("tftp: record transfer", "client", t.Client, "file", t.File, "err", err)
	}
}

// RecordDone appends a tftp.done event for t to the machine whose MAC
// leases gives for t.Client; an unknown client is store.ErrNotFound.
func RecordDone(ctx context.Context, db *store.DB, leases Leases, t Transfer) error {
	mac, err := leases.MACByIP(ctx, t.Client)
	if err != nil {
		return fmt.Errorf("client %s: %w", t.Client, err)
	}
	data, err := json.Marshal(map[string]any{
		"file": t.File, "bytes": t.Bytes, "durationMs": t.Duration.Milliseconds(), "client": t.Client.String(),
	})
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.GetMachineByMAC(mac)
		if err != nil {
			return err
		}
		return tx.AppendEvent(&store.Event{
			Machine: m.Name, Type: "tftp.done", Actor: "system",
			Message: fmt.Sprintf("%s: %d bytes in %s", t.File, t.Bytes, t.Duration.Round(time.Millisecond)),
			Data:    data,
		})
	})
}
