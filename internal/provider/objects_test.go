package provider

import (
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/internal/api"
	"github.com/slipway-dev/slipway/internal/provider/acctest"
)

// objectCase is one resource's lifecycle: create, update, import, and
// drift made outside Terraform.
type objectCase struct {
	name     string
	addr     string
	create   string
	update   string
	check    resource.TestCheckFunc
	drift    func(t *testing.T, a *acctest.Appliance)
	drifted  []string // the attributes the drift changes
	noVerify []string // attributes an import cannot read back
}

func objectCases() []objectCase {
	net := func(gw string) string {
		return `resource "slipway_network" "n" {
  name      = "lab"
  interface = "eth1"
  subnet    = "198.18.0.0/24"
  gateway   = "` + gw + `"
  labels    = { site = "a" }
}`
	}
	img := func(format string) string {
		return `resource "slipway_image" "i" {
  name   = "edge-os"
  file   = "/var/lib/slipway/images/edge-os.raw"
  format = "` + format + `"
  sha256 = "` + sum + `"
}`
	}
	cluster := func(version string) string {
		return `resource "slipway_cluster" "c" {
  name                   = "edge-1"
  kubernetes_version     = "` + version + `"
  control_plane_machines = [slipway_machine.cp.name]
  worker_selector        = { role = "worker" }
}
resource "slipway_machine" "cp" {
  name = "r1-u05"
  mac  = "52:54:00:77:00:05"
}`
	}
	creds := func(user string) string {
		return `resource "slipway_credentials" "c" {
  name        = "lab-bmc"
  username    = "` + user + `"
  password    = "pw-1"
  description = "lab BMCs"
}`
	}
	return []objectCase{
		{name: "network", addr: "slipway_network.n", create: net("198.18.0.1"), update: net("198.18.0.254"),
			check: resource.TestCheckResourceAttr("slipway_network.n", "gateway", "198.18.0.254"),
			drift: func(t *testing.T, a *acctest.Appliance) {
				applyYAML(t, a, "apiVersion: slipway.dev/v1alpha1\nkind: Network\nmetadata: {name: lab, labels: {site: a}}\n"+
					"spec: {interface: eth1, subnet: 198.18.0.0/24, gateway: 198.18.0.254, domain: lab.example}\n")
			}, drifted: []string{"domain"}},
		{name: "image", addr: "slipway_image.i", create: img("raw"), update: img("raw.zst"),
			check: resource.TestCheckResourceAttr("slipway_image.i", "format", "raw.zst"),
			drift: func(t *testing.T, a *acctest.Appliance) {
				applyYAML(t, a, "apiVersion: slipway.dev/v1alpha1\nkind: Image\nmetadata: {name: edge-os}\n"+
					"spec: {file: /var/lib/slipway/images/edge-os.raw, format: raw.gz, sha256: "+sum+"}\n")
			}, drifted: []string{"format"}},
		{name: "cluster", addr: "slipway_cluster.c", create: cluster("v1.31.4"), update: cluster("v1.31.5"),
			check: resource.TestCheckResourceAttr("slipway_cluster.c", "kubernetes_version", "v1.31.5"),
			drift: func(t *testing.T, a *acctest.Appliance) {
				applyYAML(t, a, "apiVersion: slipway.dev/v1alpha1\nkind: Cluster\nmetadata: {name: edge-1}\n"+
					"spec: {kubernetesVersion: v1.31.5, controlPlane: {machines: [r1-u05]}, workers: {selector: {role: gpu}}}\n")
			}, drifted: []string{"worker_selector"}},
		{name: "credentials", addr: "slipway_credentials.c", create: creds("admin"), update: creds("root"),
			check: resource.TestCheckResourceAttr("slipway_credentials.c", "username", "root"),
			drift: func(t *testing.T, a *acctest.Appliance) {
				_, err := a.Client.CreateCredentials(t.Context(), api.CredentialsRequest{Name: "lab-bmc", Username: "operator", Password: "x"})
				require.NoError(t, err)
			}, drifted: []string{"username"}, noVerify: []string{"password", "description"}},
	}
}

func TestAccObjects(t *testing.T) {
	acctest.Terraform(t)
	for _, tc := range objectCases() {
		t.Run(tc.name, func(t *testing.T) {
			a := acctest.Start(t, nil)
			p := a.ProviderBlock("")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(),
				Steps: []resource.TestStep{
					{Config: p + tc.create, Check: resource.TestCheckResourceAttr(tc.addr, "id", idOf(tc))},
					{Config: p + tc.update, Check: tc.check,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(tc.addr, plancheck.ResourceActionUpdate)}}},
					{ResourceName: tc.addr, ImportState: true, ImportStateVerify: true, ImportStateId: idOf(tc),
						ImportStateVerifyIgnore: tc.noVerify},
					{PreConfig: func() { tc.drift(t, a) }, Config: p + tc.update, Check: tc.check,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							onlyChanged(tc.addr, tc.drifted...)}}},
				},
			})
		})
	}
}

func idOf(tc objectCase) string {
	return map[string]string{"network": "lab", "image": "edge-os", "cluster": "edge-1", "credentials": "lab-bmc"}[tc.name]
}

// TestAccDataSources lists machines by label and by declared hardware, and
// reads one.
func TestAccDataSources(t *testing.T) {
	acctest.Terraform(t)
	a := acctest.Start(t, nil)
	cfg := a.ProviderBlock("") + `
locals {
  names = ["r1-u01", "r1-u02", "r2-u01"]
  cpus  = [4, 16, 16]
}
resource "slipway_machine" "m" {
  count    = 3
  name     = local.names[count.index]
  mac      = "52:54:00:00:00:0${count.index + 1}"
  rack     = substr(local.names[count.index], 0, 2)
  labels   = { role = "worker" }
  hardware = { cpus = local.cpus[count.index] }
}
data "slipway_machines" "big_r1" {
  labels     = { rack = "r1" }
  min_cpus   = 8
  state      = "registered"
  depends_on = [slipway_machine.m]
}
data "slipway_machine" "one" {
  name       = "r2-u01"
  depends_on = [slipway_machine.m]
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(),
		Steps: []resource.TestStep{{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttr("data.slipway_machines.big_r1", "names.#", "1"),
			resource.TestCheckResourceAttr("data.slipway_machines.big_r1", "names.0", "r1-u02"),
			resource.TestCheckResourceAttr("data.slipway_machines.big_r1", "machines.0.cpus", "16"),
			resource.TestCheckResourceAttr("data.slipway_machine.one", "mac", "52:54:00:00:00:03"),
			resource.TestCheckResourceAttr("data.slipway_machine.one", "rack", "r2"),
			resource.TestCheckResourceAttr("data.slipway_machine.one", "state", "registered"),
		)}},
	})
}

// TestAccBadInput: invalid values name their attribute; an unreachable
// appliance and an expired token say so.
func TestAccBadInput(t *testing.T) {
	acctest.Terraform(t)
	a := acctest.Start(t, nil)
	tok, err := a.Client.CreateToken(t.Context(), api.TokenRequest{Name: "short", Role: "operator", TTL: "1s"})
	require.NoError(t, err)
	expired, err := api.New(a.URL, tok.Token, a.CAPEM)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := expired.Whoami(t.Context())
		return api.IsStatus(err, 401)
	}, 10*time.Second, 100*time.Millisecond)

	p := a.ProviderBlock("")
	cases := []struct {
		name, config string
		want         *regexp.Regexp
	}{
		{"bad mac", p + `resource "slipway_machine" "m" {
  name = "r1-u01"
  mac  = "52:54:zz"
}`, regexp.MustCompile(`(?s)Invalid MAC address.*mac\s+= "52:54:zz"`)},
		{"bad subnet (validated by the appliance)", p + `resource "slipway_network" "n" {
  name      = "lab"
  interface = "eth1"
  subnet    = "not-a-cidr"
}`, regexp.MustCompile(`(?s)subnet\s+= "not-a-cidr".*spec.subnet`)},
		{"dangling reference", p + `resource "slipway_machine" "m" {
  name  = "r1-u01"
  mac   = "52:54:00:00:00:01"
  image = "nope"
}`, regexp.MustCompile(`(?s)image\s+= "nope".*spec.image`)},
		{"bad wait state", p + `resource "slipway_machine" "m" {
  name           = "r1-u01"
  mac            = "52:54:00:00:00:01"
  wait_for_state = "flying"
}`, regexp.MustCompile(`(?s)"flying" is not a machine state`)},
		{"unreachable appliance", `provider "slipway" {
  endpoint = "https://127.0.0.1:1"
  token    = "slw_x_y"
}
resource "slipway_network" "n" {
  name   = "lab"
  subnet = "198.18.0.0/24"
}`, regexp.MustCompile(`Cannot reach the Slipway appliance at https://127.0.0.1:1`)},
		{"expired token", a.ProviderBlock(tok.Token) + `resource "slipway_network" "n" {
  name   = "lab"
  subnet = "198.18.0.0/24"
}`, regexp.MustCompile(`(?s)refused the API token.*expired`)},
		{"untrusted certificate", `provider "slipway" {
  endpoint = "` + a.URL + `"
  token    = "` + a.Token + `"
}
resource "slipway_network" "n" {
  name   = "lab"
  subnet = "198.18.0.0/24"
}`, regexp.MustCompile(`(?s)certificate.*ca_cert`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(),
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: tc.want}},
			})
		})
	}
}
