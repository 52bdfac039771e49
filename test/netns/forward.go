package netns

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// forwarder is one Forward: its listener and the connections it serves.
type forwarder struct {
	dial  func() (net.Conn, error)
	l     net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// Forward listens on listen (a TCP address of the test process, such as
// "127.0.0.1:0") and connects each accepted connection to target from
// inside the host's namespace, so a test or a person reaches a service in
// the namespace without a host interface. It returns the address it
// listens on and stop, which closes the listener and every open connection
// (clients keep idle ones) and waits for them.
func (h *Host) Forward(listen, target string) (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("netns %s: forward to %s: %w", h.NS, target, err)
	}
	dial := func() (up net.Conn, err error) {
		err = h.Do(func() (err error) {
			up, err = net.DialTimeout("tcp", target, 5*time.Second)
			return err
		})
		return up, err
	}
	return serveForward(l, dial)
}

// ForwardOut is Forward the other way round: it listens on listen inside
// the host's namespace (such as "127.0.0.1:16443" on the namespace's own
// loopback) and connects each connection to target from the test
// process's namespace, so a process in the namespace reaches a service
// the test runs on the host's loopback.
func (h *Host) ForwardOut(listen, target string) (addr string, stop func(), err error) {
	var l net.Listener
	err = h.Do(func() (err error) {
		l, err = net.Listen("tcp", listen)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("netns %s: forward out to %s: %w", h.NS, target, err)
	}
	return serveForward(l, func() (net.Conn, error) { return net.DialTimeout("tcp", target, 5*time.Second) })
}

func serveForward(l net.Listener, dial func() (net.Conn, error)) (string, func(), error) {
	f := &forwarder{dial: dial, l: l, conns: map[net.Conn]bool{}}
	f.wg.Add(1)
	go f.accept()
	return l.Addr().String(), f.close, nil
}

func (f *forwarder) accept() {
	defer f.wg.Done()
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		f.track(c, true)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.pipe(c)
			f.track(c, false)
		}()
	}
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

func (f *forwarder) close() {
	_ = f.l.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// pipe dials the target and copies both ways until
// either side closes.
func (f *forwarder) pipe(c net.Conn) {
	defer c.Close()
	up, err := f.dial()
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
