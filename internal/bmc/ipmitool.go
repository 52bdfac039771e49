package bmc

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
)

// ipmiRunner runs the ipmitool commands bmclib has no call for (boot
// parameter read-back, mc info, a verbose session probe). Like bmclib's
// provider, it passes the password in the environment (-E reads
// IPMITOOL_PASSWORD), never in argv.
type ipmiRunner struct {
	path    string
	target  Target
	cipher  string
	secrets *Secrets
}

func (r *ipmiRunner) run(ctx context.Context, args ...string) (string, error) {
	path := r.path
	if path == "" {
		var err error
		if path, err = exec.LookPath("ipmitool"); err != nil {
			return "", &Error{Kind: ErrConfig, Msg: "ipmitool not found on PATH"}
		}
	}
	cipher := r.cipher
	if cipher == "" {
		cipher = "3"
	}
	argv := append([]string{"-I", "lanplus", "-H", r.target.Endpoint.Host, "-p", r.target.Endpoint.Port,
		"-U", r.target.Username, "-E", "-C", cipher, "-N", "2", "-R", "2"}, args...)
	cmd := exec.CommandContext(ctx, path, argv...)
	cmd.Env = []string{"IPMITOOL_PASSWORD=" + r.target.Password}
	out, err := cmd.CombinedOutput()
	if err != nil {
		what := "ipmitool " + strings.Join(args, " ")
		return string(out), r.secrets.Error(classify(ctx, errors.New(string(out)+" "+err.Error())), what,
			errors.New(strings.TrimSpace(string(out))))
	}
	return string(out), nil
}

// authRefused asks verbosely whether a failed session was a refused
// password (ipmitool prints "RAKP 2 HMAC is invalid") rather than silence.
func (r *ipmiRunner) authRefused(ctx context.Context) bool {
	out, _ := r.run(ctx, "-v", "chassis", "power", "status")
	lo := strings.ToLower(out)
	return strings.Contains(lo, "rakp 2 hmac is invalid") || strings.Contains(lo, "unauthorized name") ||
		strings.Contains(lo, "invalid user name")
}

// bootDevice reads boot parameter 5 (boot flags).
func (r *ipmiRunner) bootDevice(ctx context.Context) (BootReadback, error) {
	out, err := r.run(ctx, "chassis", "bootparam", "get", "5")
	if err != nil {
		return BootReadback{}, err
	}
	return parseBootParam(out)
}

// parseBootParam reads `ipmitool chassis bootparam get 5` output.
func parseBootParam(out string) (BootReadback, error) {
	var rb BootReadback
	found := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "- "))
		switch {
		case line == "Boot Flag Valid":
			rb.Flags = true
		case line == "Options apply to all future boots":
			rb.Persistent = true
		case strings.HasPrefix(line, "BIOS EFI boot"):
			rb.UEFI = true
		case strings.HasPrefix(line, "Boot Device Selector :"):
			found = true
			rb.Device = bootSelector(strings.TrimSpace(strings.TrimPrefix(line, "Boot Device Selector :")))
		}
	}
	if !found {
		return rb, &Error{Kind: ErrMalformed, Msg: "read boot device: no Boot Device Selector in the answer"}
	}
	return rb, nil
}

func bootSelector(s string) string {
	switch {
	case strings.Contains(s, "PXE"):
		return "pxe"
	case strings.Contains(s, "Hard-Drive"):
		return "disk"
	case strings.Contains(s, "CD/DVD"):
		return "cdrom"
	case strings.Contains(s, "BIOS Setup"):
		return "bios"
	case strings.Contains(s, "No override"):
		return "none"
	}
	return strings.ToLower(s)
}

// mcInfo reads the BMC's identity.
func (r *ipmiRunner) mcInfo(ctx context.Context) (Info, error) {
	out, err := r.run(ctx, "mc", "info")
	if err != nil {
		return Info{}, err
	}
	var info Info
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Manufacturer Name":
			info.Vendor = strings.TrimSpace(v)
		case "Product Name":
			info.Model = strings.TrimSpace(v)
		case "Firmware Revision":
			info.Firmware = strings.TrimSpace(v)
		}
	}
	if info.Vendor == "" && info.Firmware == "" {
		return info, &Error{Kind: ErrMalformed, Msg: "mc info: no manufacturer or firmware in the answer"}
	}
	return info, nil
}
