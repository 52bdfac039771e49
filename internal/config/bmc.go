package config

import (
	"strings"
	"time"
)

// BMC defaults.
const (
	DefaultBMCMaxConcurrent     = 64
	DefaultBMCCallTimeout       = 20 * time.Second
	DefaultBMCOperationTimeout  = 3 * time.Minute
	DefaultBMCRetries           = 3
	DefaultBMCVerifyTimeout     = 30 * time.Second
	DefaultBMCSoftOffTimeout    = 2 * time.Minute
	DefaultBMCPowerSyncInterval = 60 * time.Second
	DefaultBMCUnreachableAfter  = 3
)

// BMCConfig tunes BMC control (IPMI and Redfish). A zero field takes its
// default.
type BMCConfig struct {
	// MaxConcurrent caps BMC operations in flight (one per BMC always).
	MaxConcurrent int `yaml:"maxConcurrent"`
	// CallTimeout bounds one BMC call; OperationTimeout a whole operation.
	CallTimeout      Duration `yaml:"callTimeout"`
	OperationTimeout Duration `yaml:"operationTimeout"`
	// Retries of transient failures (exponential backoff with jitter).
	Retries int `yaml:"retries"`
	// VerifyTimeout is how long a power state may take to be reached
	// after a command; SoftOffTimeout the same for a graceful shutdown.
	VerifyTimeout  Duration `yaml:"verifyTimeout"`
	SoftOffTimeout Duration `yaml:"softOffTimeout"`
	// PowerSyncInterval is how often every BMC is polled.
	PowerSyncInterval Duration `yaml:"powerSyncInterval"`
	// PowerSyncDisabled turns the poll off.
	PowerSyncDisabled bool `yaml:"powerSyncDisabled"`
	// UnreachableAfter failed polls in a row mark a machine bmc-unreachable.
	UnreachableAfter int `yaml:"unreachableAfter"`
	// IPMICipherSuite for lanplus ("" tries 3, then 17).
	IPMICipherSuite string `yaml:"ipmiCipherSuite"`
	// Ipmitool is the ipmitool binary (default: found on PATH).
	Ipmitool string `yaml:"ipmitool"`
	// RedfishCAFile holds extra CA certificates for Redfish BMCs.
	RedfishCAFile string `yaml:"redfishCAFile"`
}

// DefaultBMC returns the BMC defaults.
func DefaultBMC() BMCConfig {
	return BMCConfig{
		MaxConcurrent:     DefaultBMCMaxConcurrent,
		CallTimeout:       Duration(DefaultBMCCallTimeout),
		OperationTimeout:  Duration(DefaultBMCOperationTimeout),
		Retries:           DefaultBMCRetries,
		VerifyTimeout:     Duration(DefaultBMCVerifyTimeout),
		SoftOffTimeout:    Duration(DefaultBMCSoftOffTimeout),
		PowerSyncInterval: Duration(DefaultBMCPowerSyncInterval),
		UnreachableAfter:  DefaultBMCUnreachableAfter,
	}
}

func (c *Config) validateBMC(add addFunc) {
	b := c.BMC
	if b.MaxConcurrent < 0 {
		add("bmc.maxConcurrent", "must not be negative (0 takes the default, %d)", DefaultBMCMaxConcurrent)
	}
	if b.Retries < 0 || b.Retries > 10 {
		add("bmc.retries", "must be from 0 to 10 (got %d)", b.Retries)
	}
	if b.UnreachableAfter < 0 {
		add("bmc.unreachableAfter", "must not be negative (0 takes the default, %d)", DefaultBMCUnreachableAfter)
	}
	for _, d := range []struct {
		field string
		v     Duration
	}{
		{"bmc.callTimeout", b.CallTimeout}, {"bmc.operationTimeout", b.OperationTimeout},
		{"bmc.verifyTimeout", b.VerifyTimeout}, {"bmc.softOffTimeout", b.SoftOffTimeout},
		{"bmc.powerSyncInterval", b.PowerSyncInterval},
	} {
		if d.v < 0 {
			add(d.field, "must not be negative (got %s; 0 takes the default)", d.v)
		}
	}
	if b.OperationTimeout > 0 && b.CallTimeout > b.OperationTimeout {
		add("bmc.callTimeout", "is longer than bmc.operationTimeout (%s)", b.OperationTimeout)
	}
	if s := strings.TrimSpace(b.IPMICipherSuite); s != "" && s != "3" && s != "17" {
		add("bmc.ipmiCipherSuite", "%q is not 3 or 17", s)
	}
}
