package agent

// Event types the appliance records on a machine's timeline for the agent
// and the installed OS (the UI's and describe's timeline classify by these
// prefixes: agent., inspect., install., os.).
const (
	EventClaimed       = "agent.claimed"       // the agent claimed its boot token (data: address)
	EventClaimRefused  = "agent.claim-refused" // replayed token, or a second claim from another address
	EventInventory     = "inspect.reported"    // hardware reported (data: summary)
	EventBOM           = "inspect.bom"         // the BOM check result (reason: ok | mismatch | warn)
	EventInstallStart  = "install.started"     // the install task was handed out (data: image, disk)
	EventProgress      = "install.progress"    // data: Progress
	EventInstalled     = "install.done"        // data: Result
	EventInstallFailed = "install.failed"      // data: Result
	EventWiped         = "install.wiped"       // deprovision wipe done
	EventDiskBoot      = "power.disk-boot"     // the BMC set boot device disk and reset
	EventPhonedHome    = "os.phoned-home"      // the installed OS called back (data: address, hostname)
)
