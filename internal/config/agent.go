package config

import (
	"fmt"
	"strings"
)

// AgentConfig configures how the appliance answers the netboot agent and
// what it writes into every installed machine's cloud-init seed.
type AgentConfig struct {
	// SessionTTL bounds an agent session (default 2h).
	SessionTTL Duration `yaml:"sessionTTL"`
	// PhoneHomeTTL bounds how long an installed OS may take to phone home
	// (default 24h).
	PhoneHomeTTL Duration `yaml:"phoneHomeTTL"`
	// SSHAuthorizedKeys are OpenSSH public keys authorized on every
	// installed machine.
	SSHAuthorizedKeys []string `yaml:"sshAuthorizedKeys"`
}

func (c *Config) validateAgent(add addFunc) {
	if c.Agent.SessionTTL < 0 {
		add("agent.sessionTTL", "must not be negative (0 takes the default, 2h)")
	}
	if c.Agent.PhoneHomeTTL < 0 {
		add("agent.phoneHomeTTL", "must not be negative (0 takes the default, 24h)")
	}
	for i, k := range c.Agent.SSHAuthorizedKeys {
		f := strings.Fields(k)
		if len(f) < 2 || strings.ContainsAny(k, "\n\r\"") ||
			!(strings.HasPrefix(f[0], "ssh-") || strings.HasPrefix(f[0], "ecdsa-") || strings.HasPrefix(f[0], "sk-")) {
			add(fmt.Sprintf("agent.sshAuthorizedKeys[%d]", i), "not a single-line OpenSSH public key (type, base64 key, comment)")
		}
	}
}
