package rack

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder accepts on a loopback address of the host and connects each
// connection to target from inside the namespace.
type forwarder struct {
	l     net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func (r *Rack) forward(listen, target string) (string, error) {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return "", fmt.Errorf("rack: forward the API: %w", err)
	}
	f := &forwarder{l: l, conns: map[net.Conn]bool{}}
	r.defer_(f.close)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.track(c, true)
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				r.pipe(c, target)
				f.track(c, false)
			}()
		}
	}()
	return l.Addr().String(), nil
}

func (f *forwarder) track(c net.Conn, open bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if open {
		f.conns[c] = true
	} else {
		delete(f.conns, c)
	}
}

// close stops accepting and closes every open connection (clients keep
// idle ones).
func (f *forwarder) close() {
	_ = f.l.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (r *Rack) pipe(c net.Conn, target string) {
	defer c.Close()
	var up net.Conn
	err := r.NS.Do(func() (err error) {
		up, err = net.DialTimeout("tcp", target, 5*time.Second)
		return err
	})
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, c)
		_ = up.Close()
		close(done)
	}()
	_, _ = io.Copy(c, up)
	_ = c.Close()
	<-done
}
