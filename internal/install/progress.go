package install

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/slipway-dev/slipway/internal/agent"
)

// meter counts one phase's bytes and reports agent.Progress every period
// from its own goroutine (a slow or failing report never slows the copy).
type meter struct {
	phase   string
	total   int64
	start   time.Time
	bytes   atomic.Int64
	resumes *atomic.Int32
	report  func(agent.Progress)
	stop    chan struct{}
	done    sync.WaitGroup
}

// startMeter starts reporting phase; Stop ends it with a last report.
func startMeter(phase string, total int64, resumes *atomic.Int32, every time.Duration, report func(agent.Progress)) *meter {
	m := &meter{phase: phase, total: total, start: time.Now(), resumes: resumes, report: report, stop: make(chan struct{})}
	if report == nil {
		return m
	}
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.report(m.snapshot())
			}
		}
	}()
	return m
}

func (m *meter) add(n int64) { m.bytes.Add(n) }

func (m *meter) snapshot() agent.Progress {
	p := agent.Progress{Phase: m.phase, Bytes: m.bytes.Load(), Total: m.total}
	if s := time.Since(m.start).Seconds(); s > 0 {
		p.BytesPerSec = float64(p.Bytes) / s
	}
	if m.resumes != nil {
		p.Resumes = int(m.resumes.Load())
	}
	return p
}

// Stop ends the reports with a final one and returns the phase's figures.
func (m *meter) Stop() agent.Progress {
	p := m.snapshot()
	if m.report != nil {
		close(m.stop)
		m.done.Wait()
		m.report(p)
	}
	return p
}
