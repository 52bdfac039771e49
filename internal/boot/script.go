package boot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/store"
)

// ParseMAC reads the MAC of a script request: six octets in any of the
// forms net.ParseMAC accepts (52:54:00:77:00:10, 52-54-00-77-00-10,
// 5254.0077.0010), returned lower case with colons.
func ParseMAC(s string) (string, error) {
	if len(s) > 17 {
		return "", fmt.Errorf("%.20q... is not a MAC address", s)
	}
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("%q is not a 6-octet MAC address", s)
	}
	return hw.String(), nil
}

// serveScript answers GET /boot/ipxe/<mac> with the machine's script.
func (s *Server) serveScript(w http.ResponseWriter, r *http.Request, param string) {
	mac, err := ParseMAC(param)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	base, ok := s.baseURL(r)
	if !ok {
		http.Error(w, "bad Host header", http.StatusBadRequest)
		return
	}
	client := clientAddr(r)
	var script []byte
	err = s.db.Update(r.Context(), func(tx *store.Tx) error {
		var err error
		script, err = s.script(tx, mac, client, base, r.Method == http.MethodGet)
		return err
	})
	if err != nil {
		s.log.Error("boot script", "mac", mac, "client", client, "err", err)
		http.Error(w, "could not render the boot script", http.StatusInternalServerError)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(ScriptWriteTimeout))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(script)
}

// script decides, renders and records the script for mac inside tx. Only
// a GET issues a token and records events (a HEAD renders a placeholder).
func (s *Server) script(tx *store.Tx, mac string, client netip.Addr, base string, get bool) ([]byte, error) {
	m, n, err := s.lookup(tx, mac, client)
	if err != nil {
		return nil, err
	}
	d := Decide(m, mac, n)
	data := s.scriptData(m, mac, n, d, base)
	if d.Variant == VariantAgent && get {
		if data.Token, err = s.issueToken(tx, m.Name); err != nil {
			return nil, err
		}
	}
	out, err := s.render.render(d.Variant, data)
	if err != nil || !get {
		return out, err
	}
	return out, s.recordScript(tx, m, mac, client, d)
}

func (s *Server) scriptData(m *store.Machine, mac string, n Network, d Decision, base string) ScriptData {
	data := ScriptData{
		MAC: mac, Network: n.Name, Message: d.Why,
		ScriptURL: base + "/boot/ipxe/" + mac,
		KernelURL: base + "/boot/agent/vmlinuz?mac=" + mac,
		InitrdURL: base + "/boot/agent/initrd?mac=" + mac,
		APIURL:    s.apiURL(base), CAFingerprint: s.cfg.CAFingerprint,
		Token: "(issued-on-get)",
	}
	if m != nil {
		data.Name, data.State = m.Name, m.State
	}
	return data
}

// recordScript appends boot.script (a script that boots something) or
// boot.denied (one that prints why not). Denials of unknown MACs are
// appliance-wide events, at most one per MAC per minute.
func (s *Server) recordScript(tx *store.Tx, m *store.Machine, mac string, client netip.Addr, d Decision) error {
	data, _ := json.Marshal(map[string]string{"variant": string(d.Variant), "mac": mac, "client": clientString(client)})
	ev := &store.Event{Type: "boot.script", Reason: string(d.Variant), Actor: "system", Data: data}
	switch {
	case m == nil:
		if !s.unknown.allow(mac, s.now()) {
			return nil
		}
		ev.Type, ev.Message = "boot.denied", d.Why
		s.log.Info("boot denied", "mac", mac, "client", client, "why", d.Why)
	case d.Variant == VariantDeny:
		ev.Machine, ev.Type, ev.Message = m.Name, "boot.denied", d.Why
		s.log.Info("boot denied", "machine", m.Name, "mac", mac, "client", client, "why", d.Why)
	default:
		ev.Machine = m.Name
		ev.Message = fmt.Sprintf("served the %s script (%s)", d.Variant, m.State)
	}
	return tx.AppendEvent(ev)
}

// clientAddr is the request's peer address (invalid when unparsable).
func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func clientString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// errNoMachine is returned for a file request that names no known machine.
var errNoMachine = errors.New("no such machine")

// machineFor returns the name of the machine whose MAC a file request
// names in its "mac" query parameter.
func machineFor(tx *store.Tx, r *http.Request) (string, error) {
	mac, err := ParseMAC(strings.TrimSpace(r.URL.Query().Get("mac")))
	if err != nil {
		return "", errNoMachine
	}
	m, err := tx.GetMachineByMAC(mac)
	if errors.Is(err, store.ErrNotFound) {
		return "", errNoMachine
	}
	return m.Name, err
}

// baseURL is the advertised URL, or http://<the Host the client asked>
// (false when that Host is not a plain host[:port]).
func (s *Server) baseURL(r *http.Request) (string, bool) {
	if s.cfg.AdvertiseURL != "" {
		return s.cfg.AdvertiseURL, true
	}
	h := r.Host
	if h == "" || len(h) > 255 || strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != "" {
		return "", false
	}
	return "http://" + h, true
}

// apiURL is the configured API URL, or https://<host of base>:<API port>.
func (s *Server) apiURL(base string) string {
	if s.cfg.APIURL != "" {
		return s.cfg.APIURL
	}
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return "https://" + net.JoinHostPort(u.Hostname(), s.cfg.APIPort)
}
