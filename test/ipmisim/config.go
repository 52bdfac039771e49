package ipmisim

import (
	"fmt"
	"os"
	"path/filepath"
)

// Config is one ipmi_sim's configuration (../../shared/notes/lab.md:
// ipmi_sim): one LAN channel, a chassis_control program and one admin user.
// Start uses it on loopback; the virtual rack (test/rack) on its bridge.
type Config struct {
	Name string
	Addr string // the LAN channel's IPv4 address
	Port int    // its UDP port
	// ChassisControl is the program (and its first arguments) ipmi_sim runs
	// for chassis requests; the management controller's address 0x20
	// follows them.
	ChassisControl string
	User, Password string
}

// Write writes dir/lan.conf and dir/node.emu and returns ipmi_sim's
// arguments, with its persistent state in stateDir (which must exist).
func (c Config) Write(dir, stateDir string) ([]string, error) {
	lan, emuFile := filepath.Join(dir, "lan.conf"), filepath.Join(dir, "node.emu")
	conf := fmt.Sprintf(lanConf, c.Name, c.Addr, c.Port, c.ChassisControl, c.User, c.Password)
	if err := os.WriteFile(lan, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("ipmi_sim lan.conf: %w", err)
	}
	if err := os.WriteFile(emuFile, []byte(emu), 0o600); err != nil {
		return nil, fmt.Errorf("ipmi_sim node.emu: %w", err)
	}
	return []string{"-c", lan, "-f", emuFile, "-s", stateDir, "-n"}, nil
}

const lanConf = `name "%[1]s"
set_working_mc 0x20
  startlan 1
    addr %[2]s %[3]d
    priv_limit admin
    allowed_auths_callback md2 md5 straight
    allowed_auths_user md2 md5 straight
    allowed_auths_operator md2 md5 straight
    allowed_auths_admin md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "%[4]s 0x20"
  user 2 true "%[5]s" "%[6]s" admin 10 md2 md5 straight
`

const emu = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`
