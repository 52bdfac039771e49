package bmc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	bmclib "github.com/bmc-toolbox/bmclib/v2"
	"github.com/bmc-toolbox/bmclib/v2/providers/ipmitool"
	"github.com/bmc-toolbox/bmclib/v2/providers/redfish"
	"github.com/go-logr/logr"
	"github.com/jacobweinstock/registrar"
)

// BmclibDialer opens bmclib clients restricted to the one provider the
// address names (ipmitool for ipmi://, gofish for redfish://).
type BmclibDialer struct {
	// Ipmitool is the ipmitool binary (default: found on PATH).
	Ipmitool string
	// CipherSuite for IPMI lanplus; "" lets bmclib try 3 then 17.
	CipherSuite string
	// RootCAs verify Redfish BMC certificates (nil: the system pool).
	RootCAs *x509.CertPool
	// Secrets redacts passwords from errors and bmclib's log lines.
	Secrets *Secrets
	Log     *slog.Logger
}

// Dial opens a connection (for IPMI: checks that a session can be made).
func (d *BmclibDialer) Dial(ctx context.Context, t Target) (Client, error) {
	d.Secrets.Add(t.Password)
	lg := logr.FromSlogHandler(d.Secrets.Handler(d.Log.Handler()))
	reg := registrar.NewRegistry(registrar.WithLogger(lg))
	host := t.Endpoint.Host
	var runner *ipmiRunner
	switch t.Endpoint.Protocol {
	case IPMI:
		drv, err := ipmitool.New(host, t.Username, t.Password, ipmitool.WithPort(t.Endpoint.Port),
			ipmitool.WithCipherSuite(d.CipherSuite), ipmitool.WithIpmitoolPath(d.Ipmitool), ipmitool.WithLogger(lg))
		if err != nil {
			return nil, d.Secrets.Error(ErrConfig, "ipmitool", err)
		}
		reg.Register(ipmitool.ProviderName, ipmitool.ProviderProtocol, ipmitool.Features, nil, drv)
		runner = &ipmiRunner{path: d.Ipmitool, target: t, cipher: d.CipherSuite, secrets: d.Secrets}
	case Redfish:
		if t.Endpoint.Scheme == "http" {
			host = "http://" + host
		}
		drv := redfish.New(host, t.Username, t.Password, lg, redfish.WithHttpClient(d.httpClient(t)),
			redfish.WithPort(t.Endpoint.Port))
		reg.Register(redfish.ProviderName, redfish.ProviderProtocol, redfish.Features, nil, drv)
	default:
		return nil, &Error{Kind: ErrConfig, Msg: "unknown BMC protocol " + string(t.Endpoint.Protocol)}
	}
	c := bmclib.NewClient(host, t.Username, t.Password, bmclib.WithRegistry(reg), bmclib.WithLogger(lg))
	// ipmitool has no connection: its Open is one more power status call,
	// which the first real call makes anyway. Redfish opens a session.
	if t.Endpoint.Protocol == Redfish {
		if err := c.Open(ctx); err != nil {
			return nil, d.explain(ctx, runner, "open session", err)
		}
	}
	return &bmclibClient{c: c, t: t, d: d, ipmi: runner}, nil
}

// explain turns a raw error into an *Error. An IPMI session failure is
// ambiguous (wrong password and no answer print the same line), so it asks
// ipmitool once more, verbosely, to tell the two apart.
func (d *BmclibDialer) explain(ctx context.Context, r *ipmiRunner, what string, err error) error {
	kind := classify(ctx, err)
	if r != nil && kind == ErrUnreachable && ctx.Err() == nil && r.authRefused(ctx) {
		return &Error{Kind: ErrAuth, Msg: what + ": the BMC refused the user name or password (RAKP 2 HMAC invalid)"}
	}
	return d.Secrets.Error(kind, what, err)
}

func (d *BmclibDialer) httpClient(t Target) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: d.RootCAs, InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // declared per machine
		MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 2
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// bmclibClient is one open bmclib client.
type bmclibClient struct {
	c    *bmclib.Client
	t    Target
	d    *BmclibDialer
	ipmi *ipmiRunner // IPMI only: the calls bmclib lacks
}

func (b *bmclibClient) fail(ctx context.Context, what string, err error) error {
	return b.d.explain(ctx, b.ipmi, what, err)
}

func (b *bmclibClient) PowerState(ctx context.Context) (string, error) {
	s, err := b.c.GetPowerState(ctx)
	if err != nil {
		return "", b.fail(ctx, "power status", err)
	}
	switch st := strings.ToLower(strings.TrimSpace(s)); {
	case st == "on" || strings.HasSuffix(st, "power is on"):
		return PowerOn, nil
	case st == "off" || strings.HasSuffix(st, "power is off"):
		return PowerOff, nil
	case strings.HasPrefix(st, "powering"):
		return PowerUnknown, nil // in transition: poll again
	}
	return "", b.d.Secrets.Error(ErrMalformed, "power status", errors.New("unexpected answer "+strings.TrimSpace(s)))
}

func (b *bmclibClient) SetPower(ctx context.Context, a PowerAction) error {
	_, err := b.c.SetPowerState(ctx, string(a))
	if err != nil && a == ActionSoft && b.t.Endpoint.Protocol == Redfish && softAccepted(err) {
		// bmclib's gofish provider reports a graceful shutdown it sent as
		// not done; verification decides whether it happened.
		return nil
	}
	if err != nil {
		return b.fail(ctx, "power "+string(a), err)
	}
	return nil
}

// softAccepted is true when the only complaint is bmclib's generic "failed
// to set power state" (the request itself went through).
func softAccepted(err error) bool {
	s := err.Error()
	return strings.Count(s, "failed to set power state") == strings.Count(s, "* ") && !strings.Contains(s, "status")
}

func (b *bmclibClient) SetBootDevice(ctx context.Context, boot Boot) error {
	if err := boot.Validate(); err != nil {
		return &Error{Kind: ErrFailed, Msg: err.Error()}
	}
	if _, err := b.c.SetBootDevice(ctx, boot.Device, boot.Persistent, boot.UEFI); err != nil {
		return b.fail(ctx, "set boot device "+boot.Device, err)
	}
	return nil
}

func (b *bmclibClient) BootDevice(ctx context.Context) (BootReadback, error) {
	if b.ipmi != nil {
		return b.ipmi.bootDevice(ctx)
	}
	o, err := b.c.GetBootDeviceOverride(ctx)
	if err != nil {
		return BootReadback{}, b.fail(ctx, "read boot device", err)
	}
	return BootReadback{Boot: Boot{Device: string(o.Device), Persistent: o.IsPersistent, UEFI: o.IsEFIBoot}, Flags: true}, nil
}

func (b *bmclibClient) SetVirtualMedia(ctx context.Context, url string) error {
	if b.ipmi != nil {
		return &Error{Kind: ErrUnsupported, Msg: "virtual media needs Redfish (this BMC is IPMI)"}
	}
	what := "insert virtual media"
	if url == "" {
		what = "eject virtual media"
	}
	if _, err := b.c.SetVirtualMedia(ctx, "CD", url); err != nil {
		return b.fail(ctx, what, err)
	}
	return nil
}

func (b *bmclibClient) Inventory(ctx context.Context) (Info, error) {
	if b.ipmi != nil {
		return b.ipmi.mcInfo(ctx)
	}
	dev, err := b.c.Inventory(ctx)
	if err != nil {
		return Info{}, b.fail(ctx, "inventory", err)
	}
	info := Info{Vendor: dev.Vendor, Model: dev.Model}
	if dev.BMC != nil && dev.BMC.Firmware != nil {
		info.Firmware = dev.BMC.Firmware.Installed
	}
	return info, nil
}

func (b *bmclibClient) SEL(ctx context.Context) ([]SELEntry, error) {
	if b.ipmi == nil {
		return nil, &Error{Kind: ErrUnsupported, Msg: "SEL is read over IPMI only"}
	}
	rows, err := b.c.GetSystemEventLog(ctx)
	if err != nil {
		return nil, b.fail(ctx, "read SEL", err)
	}
	out := make([]SELEntry, 0, len(rows))
	for _, r := range rows {
		if len(r) == 4 {
			out = append(out, SELEntry{ID: r[0], Time: r[1], Sensor: r[2], Message: r[3]})
		}
	}
	return out, nil
}

func (b *bmclibClient) Close(ctx context.Context) error {
	if err := b.c.Close(ctx); err != nil {
		return b.d.Secrets.Error(classify(ctx, err), "close", err)
	}
	return nil
}
