// Package agent is the protocol between the appliance and slipway-agent,
// the static binary that runs in a machine's netboot initramfs: the kernel
// command line the boot script hands it, the requests it makes to the
// appliance's API (claim, inventory, progress, result) and the task the
// appliance answers with. Both sides import it; nothing here does I/O.
//
// The flow: the agent claims its one-time boot token (slipway.token) and
// gets a session token; it reports the inspected hardware and is given a
// Task (install, wipe, power off, wait); while it works it reports
// Progress about once a second; it ends with a Result, whose answer is the
// next Task. Every request but the claim carries "Authorization: Bearer
// <session>".
package agent

import (
	"time"
)

// API paths, below the appliance's API URL (slipway.url).
const (
	PathClaim     = "/api/v1/agent/claim"
	PathInventory = "/api/v1/agent/inventory"
	PathProgress  = "/api/v1/agent/progress"
	PathResult    = "/api/v1/agent/result"
)

// SessionPrefix starts every agent session token.
const SessionPrefix = "slwa_"

// Kernel command line parameters the agent script sets (ipxe/agent.ipxe.tmpl).
const (
	ParamURL     = "slipway.url"     // the API base URL (https)
	ParamToken   = "slipway.token"   // the one-time boot token
	ParamCA      = "slipway.ca"      // sha256:HEX of the appliance CA certificate (pinned)
	ParamMachine = "slipway.machine" // the machine's name
	ParamMAC     = "slipway.mac"     // the MAC it netbooted from
)

// MaxBody bounds every agent request body (an inventory of a large server
// is a few tens of KiB).
const MaxBody = 1 << 20

// ClaimRequest exchanges the boot token for a session.
type ClaimRequest struct {
	Token   string `json:"token"`
	MAC     string `json:"mac"`
	Machine string `json:"machine,omitempty"`
}

// ClaimResponse carries the session token (only ever sent once).
type ClaimResponse struct {
	Session   string    `json:"session"`
	Machine   string    `json:"machine"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Inventory is the hardware the agent found (jaypipes/ghw).
type Inventory struct {
	Firmware    string `json:"firmware"` // bios | uefi
	System      System `json:"system"`
	CPU         CPU    `json:"cpu"`
	MemoryBytes int64  `json:"memoryBytes"`
	Disks       []Disk `json:"disks"`
	NICs        []NIC  `json:"nics"`
}

// System is the DMI identity of the machine.
type System struct {
	Vendor  string `json:"vendor,omitempty"`
	Product string `json:"product,omitempty"`
	Serial  string `json:"serial,omitempty"`
	UUID    string `json:"uuid,omitempty"`
}

// CPU summarizes the processors.
type CPU struct {
	Model   string `json:"model,omitempty"`
	Sockets int    `json:"sockets"`
	Cores   int    `json:"cores"`
	Threads int    `json:"threads"`
}

// Disk is one block device that could be installed to.
type Disk struct {
	Name      string `json:"name"` // vda, sda, nvme0n1
	Path      string `json:"path"` // /dev/vda
	SizeBytes int64  `json:"sizeBytes"`
	Model     string `json:"model,omitempty"`
	Serial    string `json:"serial,omitempty"`
	Type      string `json:"type"` // ssd | hdd | nvme | unknown
	Removable bool   `json:"removable,omitempty"`
}

// NIC is one network interface.
type NIC struct {
	Name      string `json:"name"`
	MAC       string `json:"mac"`
	Link      bool   `json:"link"`
	SpeedMbps int    `json:"speedMbps,omitempty"`
}

// Action is what the appliance asks the agent to do next.
type Action string

// The actions.
const (
	ActionInstall  Action = "install"  // Task.Install says what
	ActionWipe     Action = "wipe"     // clear every disk's signatures (deprovision)
	ActionPowerOff Action = "poweroff" // done: power the machine off
	ActionReboot   Action = "reboot"   // done: reboot (no BMC to reset the machine)
	ActionWait     Action = "wait"     // done: stay up; the BMC will reset the machine
)

// Task is the appliance's answer to an inventory or a result.
type Task struct {
	Action  Action   `json:"action"`
	Reason  string   `json:"reason,omitempty"`
	Install *Install `json:"install,omitempty"`
}

// Install says which image goes to which disk, and the seed written beside it.
type Install struct {
	Image string `json:"image"`
	// URL is where the image's stored content is served (plain HTTP on the
	// boot server; integrity comes from SHA256 and RawSHA256). The server
	// answers Range requests, so a broken stream resumes.
	URL    string `json:"url"`
	Format string `json:"format"` // raw | raw.zst | raw.gz | raw.xz
	// SHA256 and Size are of the content at URL (as stored, compressed).
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// RawSHA256 and RawSize are of the decompressed bytes written to the
	// disk; the agent reads the disk back and compares.
	RawSHA256 string `json:"rawSHA256"`
	RawSize   int64  `json:"rawSize"`
	// Disk is the target's path or serial; empty: the agent picks the
	// smallest non-removable disk that is large enough.
	Disk string `json:"disk,omitempty"`
	// Seed is the cloud-init NoCloud seed written to a CIDATA partition
	// after the image (nil: none).
	Seed *Seed `json:"seed,omitempty"`
}

// Seed is a cloud-init NoCloud seed: the files of the CIDATA partition.
type Seed struct {
	MetaData      string `json:"metaData"`
	UserData      string `json:"userData"`
	NetworkConfig string `json:"networkConfig,omitempty"`
}

// SeedSizeBytes is the size of the CIDATA partition the agent appends.
const SeedSizeBytes = 4 << 20

// Progress phases.
const (
	PhaseDownload = "download" // streaming, decompressing and writing
	PhaseVerify   = "verify"   // reading the disk back
	PhaseSeed     = "seed"     // writing the CIDATA partition
	PhaseWipe     = "wipe"
	// PhaseAgent reports a problem outside a task (the agent retries):
	// Message says what.
	PhaseAgent = "agent"
)

// Progress is reported about once a second while the agent works.
type Progress struct {
	Phase       string  `json:"phase"`
	Bytes       int64   `json:"bytes"`
	Total       int64   `json:"total"`
	BytesPerSec float64 `json:"bytesPerSec"`
	Resumes     int     `json:"resumes,omitempty"`
	Message     string  `json:"message,omitempty"`
}

// Result ends an action.
type Result struct {
	Action Action `json:"action"`
	OK     bool   `json:"ok"`
	// Error says what failed (required when !OK), Phase in which phase.
	Error string `json:"error,omitempty"`
	Phase string `json:"phase,omitempty"`
	Disk  string `json:"disk,omitempty"`
	// Bytes written, their sha256 as read back, and how long it took.
	Bytes      int64   `json:"bytes,omitempty"`
	SHA256     string  `json:"sha256,omitempty"`
	DurationMS int64   `json:"durationMs,omitempty"`
	MBPerSec   float64 `json:"mbPerSec,omitempty"`
	Resumes    int     `json:"resumes,omitempty"`
	// Wiped is true when the failure handler cleared the disk's first and
	// last MiB (a half-written image cannot boot).
	Wiped bool `json:"wiped,omitempty"`
}

// Error is the body of every non-2xx answer (as the rest of the API).
type Error struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}
