package dhcp

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/netip"
	"runtime/debug"
	"slices"
	"time"
)

// syncListeners opens a socket for each interface and port the networks
// need and closes the others. An interface that cannot be opened is logged
// and retried at the next sweep.
func (s *Server) syncListeners(ctx context.Context, v *inventoryView) {
	want := map[listenKey]bool{}
	addrs := map[string][]netip.Prefix{}
	for iface, ports := range v.listeners() {
		for _, port := range ports {
			want[listenKey{iface, port}] = true
		}
		a, err := s.ifAddrs(iface)
		if err != nil {
			s.log.Warn("dhcp: interface addresses", "iface", iface, "err", err)
		}
		addrs[iface] = a
	}
	s.addrs.Store(&addrs)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, conn := range s.listeners {
		if !want[k] {
			_ = conn.Close()
			delete(s.listeners, k)
			s.log.Info("dhcp: stopped listening", "iface", k.iface, "port", k.port)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(want), func(a, b listenKey) int {
		return cmpKey(a, b)
	}) {
		if _, ok := s.listeners[k]; ok || ctx.Err() != nil {
			continue
		}
		conn, err := s.listen(ctx, k.iface, k.port)
		if err != nil {
			if msg := err.Error(); s.failed[k] != msg {
				s.failed[k] = msg // logged once per distinct failure, retried every sweep
				s.log.Error("dhcp: cannot listen", "iface", k.iface, "port", k.port, "err", err)
			}
			continue
		}
		delete(s.failed, k)
		s.listeners[k] = conn
		s.log.Info("dhcp: listening", "iface", k.iface, "port", k.port, "addr", conn.LocalAddr().String())
		s.readers.Go(func() { s.read(k, conn) })
	}
}

func cmpKey(a, b listenKey) int {
	if a.iface != b.iface {
		if a.iface < b.iface {
			return -1
		}
		return 1
	}
	return a.port - b.port
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, conn := range s.listeners {
		_ = conn.Close()
		delete(s.listeners, k)
	}
}

// maxPacket is the largest datagram read (DHCP messages are far smaller).
const maxPacket = 4096

// read feeds a socket's packets to the workers, dropping them (counted)
// when the queue is full, until the socket is closed.
func (s *Server) read(k listenKey, conn net.PacketConn) {
	buf := make([]byte, maxPacket)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("dhcp: read", "iface", k.iface, "err", err)
			continue
		}
		peer, _ := from.(*net.UDPAddr)
		pkt := inbound{raw: append([]byte(nil), buf[:n]...), conn: conn,
			in: Inbound{Iface: k.iface, Port: k.port, Peer: peer}}
		select {
		case s.queue <- pkt:
		default:
			s.e.metrics.dropped.WithLabelValues("queue-full").Inc()
		}
	}
}

// work handles queued packets until ctx ends.
func (s *Server) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case pkt := <-s.queue:
			s.handle(ctx, pkt)
		}
	}
}

// handle runs one packet through the chain and carries out the result. A
// panic is recovered, counted and logged: it costs this packet only.
func (s *Server) handle(ctx context.Context, pkt inbound) {
	m := s.e.metrics
	defer func() {
		if r := recover(); r != nil {
			m.panics.Inc()
			m.dropped.WithLabelValues("panic").Inc()
			s.log.Error("dhcp: panic handling a packet", "panic", r, "iface", pkt.in.Iface,
				"peer", pkt.in.Peer.String(), "stack", string(debug.Stack()))
		}
	}()
	start := time.Now()
	p := s.e.handleBytes(pkt.raw, pkt.in)
	m.latency.Observe(time.Since(start).Seconds())
	if p.Drop != "" {
		m.dropped.WithLabelValues(p.Drop).Inc()
		s.log.Debug("dhcp: dropped", "reason", p.Drop, "mac", p.MAC, "iface", pkt.in.Iface, "peer", pkt.in.Peer.String())
		return
	}
	var send func()
	if p.Reply != nil && p.Dst != nil {
		send = func() { s.send(pkt.conn, p) }
	}
	switch {
	case p.Write.empty():
	case p.Gate:
		if err := s.c.add(ctx, p.Write, send); err != nil {
			m.dropped.WithLabelValues("shutdown").Inc()
		}
		return
	default:
		s.c.tryAdd(p.Write)
	}
	if send != nil {
		send()
	}
}

func (s *Server) send(conn net.PacketConn, p *Packet) {
	t := p.Reply.MessageType()
	if _, err := conn.WriteTo(p.Reply.ToBytes(), p.Dst); err != nil {
		s.log.Warn("dhcp: send", "type", t.String(), "to", p.Dst.String(), "mac", p.MAC, "err", err)
		s.e.metrics.dropped.WithLabelValues("send-failed").Inc()
		return
	}
	s.e.metrics.replies.WithLabelValues(t.String()).Inc()
}
