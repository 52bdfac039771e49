package timeline

import (
	"encoding/json"
	"time"
)

// Progress is the install phase's latest progress report (agent.Progress
// of install.progress events, or the agent.Result of install.done).
type Progress struct {
	Phase    string // download | verify | seed | wipe ("" when not said)
	Percent  int
	Bytes    int64
	Total    int64 // 0: unknown
	MBPerSec float64
	Done     bool // the install finished: Bytes were written at MBPerSec
	at       time.Time
}

// progressOf reads install progress from an event's data: bytes written
// and total (agent.Progress, agent.Result, or older names), and the rate
// (reported, or computed from the previous report of the same phase).
func progressOf(e *eventData, prev *Progress) *Progress {
	d := e.fields
	if d == nil {
		return prev
	}
	written, total := d.num("bytes", "written", "bytesWritten"), d.num("total", "size", "bytesTotal")
	if written < 0 {
		return prev
	}
	p := &Progress{Bytes: int64(written), Total: max(0, int64(total)), at: e.time}
	p.Phase, _ = d["phase"].(string)
	if e.typ == "install.done" {
		p.Done, p.Phase = true, ""
		if p.Total == 0 {
			p.Total = p.Bytes
		}
	}
	if p.Total > 0 {
		p.Percent = min(100, int(written*100/float64(p.Total)))
	}
	switch {
	case d.num("mbPerSec", "mbps", "MBps") >= 0:
		p.MBPerSec = d.num("mbPerSec", "mbps", "MBps")
	case d.num("bytesPerSec", "rate") >= 0:
		p.MBPerSec = d.num("bytesPerSec", "rate") / 1e6
	case d.num("durationMs") > 0:
		p.MBPerSec = written / 1e6 / (d.num("durationMs") / 1e3)
	case prev != nil && prev.Phase == p.Phase && p.at.After(prev.at) && p.Bytes >= prev.Bytes:
		p.MBPerSec = float64(p.Bytes-prev.Bytes) / 1e6 / p.at.Sub(prev.at).Seconds()
	}
	return p
}

// eventData is an event's type, time and decoded JSON object data.
type eventData struct {
	typ    string
	time   time.Time
	fields fields
}

func decode(typ string, at time.Time, raw json.RawMessage) *eventData {
	e := &eventData{typ: typ, time: at}
	if len(raw) > 0 {
		var d map[string]any
		if json.Unmarshal(raw, &d) == nil {
			e.fields = d
		}
	}
	return e
}

// fields is a JSON object.
type fields map[string]any

// num is the first of keys that holds a number (-1 when none does).
func (f fields) num(keys ...string) float64 {
	for _, k := range keys {
		if n, ok := f[k].(float64); ok {
			return n
		}
	}
	return -1
}
