package store

import (
	"encoding/json"
	"testing"
	"time"
)

func BenchmarkDecodeMachine(b *testing.B) {
	m := Machine{Name: "r01-u001", MAC: "52:54:00:00:00:01", State: "active", Power: "on", Phase: "running",
		Arch: "x86_64", UUID: "4c4c4544-00000001", Revision: 3, CreatedAt: time.Now(), UpdatedAt: time.Now(), StateChangedAt: time.Now()}
	doc, _ := encodeMachine(&m)
	hw := []byte(`{"cpus":32}`)
	raw := json.RawMessage(doc)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeMachine(string(raw), hw); err != nil {
			b.Fatal(err)
		}
	}
}
