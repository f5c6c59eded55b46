// cilium-status prints what `cilium-dbg status` prints in a lab agent pod, through Cilium's own
// formatters (github.com/cilium/cilium pkg/client and pkg/health/client, at the lab's CILIUM_VERSION):
// the agent is simulated, its report's wording is upstream's. The lab builds it (lab/build/services,
// ciliumStatus) and lab/tools/bin/cilium-dbg runs it with one agent's facts as JSON on stdin.
//
// Its print path follows cilium-dbg/cmd/status.go (statusDaemon): `-o json` dumps the status
// response, `--brief` the one-line form, otherwise the tabwriter report, exit 1 when the Cilium
// state is not Ok/Disabled, then the health report (the cilium-health daemon's answer, or upstream's
// own "unreachable" line when the daemon does not answer) and the modules' health tally.
//
// `cilium-status relay-status` encodes what the Hubble relay answers to observer.Observer/ServerStatus
// (the relay's counters as JSON on stdin, upstream's ServerStatusResponse in protobuf wire form on
// stdout), for the lab's relay (lab/sim/hubble-relay.ts) and the contract samples.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	healthModels "github.com/cilium/cilium/api/v1/health/models"
	"github.com/cilium/cilium/api/v1/models"
	"github.com/cilium/cilium/api/v1/observer"
	pkg "github.com/cilium/cilium/pkg/client"
	"github.com/cilium/cilium/pkg/command"
	healthPkg "github.com/cilium/cilium/pkg/health/client"
	healthDefaults "github.com/cilium/cilium/pkg/health/defaults"
	"github.com/go-openapi/strfmt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// request is one agent's facts (lab/sim/cilium.ts CiliumFacts, the node named, the output form).
type request struct {
	Format            string   `json:"format"` // text | brief | json
	Cluster           string   `json:"cluster"`
	ClusterID         int64    `json:"clusterId"`
	Version           string   `json:"version"`
	KubernetesVersion string   `json:"kubernetesVersion"`
	PodCIDR           string   `json:"podCIDR"`
	NodeEncryption    bool     `json:"nodeEncryption"`
	RemoteClusters    []string `json:"remoteClusters"`
	// remotes whose clustermesh-apiserver is down (the agent lost its connection to them)
	RemoteClustersDown []string `json:"remoteClustersDown"`
	Node               string   `json:"node"`
	Nodes              []node   `json:"nodes"`
	// Cilium's own state (Ok unless a contract sample asks for another)
	CiliumState string `json:"ciliumState,omitempty"`
	CiliumMsg   string `json:"ciliumMsg,omitempty"`
	// the health prober is off (no cilium-health-ep controller): "Probe disabled"
	HealthDisabled bool `json:"healthDisabled,omitempty"`
}

type node struct {
	Name              string `json:"name"`
	IP                string `json:"ip"`
	PodCIDR           string `json:"podCIDR"`
	CiliumInternalIP  string `json:"ciliumInternalIP"`
	WgPubKey          string `json:"wgPubKey"`
	HealthUnreachable bool   `json:"healthUnreachable,omitempty"`
	WireguardError    string `json:"wireguardError,omitempty"`
	// another node's agent sees this one unreachable (the probe's failure text)
	ProbeFailure string `json:"probeFailure,omitempty"`
}

func fatal(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "cilium-status: "+format+"\n", a...)
	os.Exit(2)
}

// relayStatus is the relay's counters; a node count left out is not in the answer at all.
type relayStatus struct {
	NumFlows            uint64   `json:"numFlows"`
	MaxFlows            uint64   `json:"maxFlows"`
	SeenFlows           uint64   `json:"seenFlows"`
	UptimeNs            uint64   `json:"uptimeNs"`
	NumConnectedNodes   *uint32  `json:"numConnectedNodes"`
	NumUnavailableNodes *uint32  `json:"numUnavailableNodes"`
	UnavailableNodes    []string `json:"unavailableNodes"`
	Version             string   `json:"version"`
	FlowsRate           float64  `json:"flowsRate"`
}

func relayServerStatus() {
	var in relayStatus
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fatal("reading the relay's counters from stdin: %v", err)
	}
	msg := &observer.ServerStatusResponse{
		NumFlows: in.NumFlows, MaxFlows: in.MaxFlows, SeenFlows: in.SeenFlows, UptimeNs: in.UptimeNs,
		UnavailableNodes: in.UnavailableNodes, Version: in.Version, FlowsRate: in.FlowsRate,
	}
	if in.NumConnectedNodes != nil {
		msg.NumConnectedNodes = wrapperspb.UInt32(*in.NumConnectedNodes)
	}
	if in.NumUnavailableNodes != nil {
		msg.NumUnavailableNodes = wrapperspb.UInt32(*in.NumUnavailableNodes)
	}
	out, err := proto.Marshal(msg)
	if err != nil {
		fatal("encoding ServerStatusResponse: %v", err)
	}
	os.Stdout.Write(out)
}

func main() {
	if len(os.Args) > 1 {
		if os.Args[1] != "relay-status" {
			fatal("unknown command %q (none: an agent's status; relay-status: the relay's ServerStatus)", os.Args[1])
		}
		relayServerStatus()
		return
	}
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fatal("reading the agent facts from stdin: %v", err)
	}
	var self *node
	for i := range req.Nodes {
		if req.Nodes[i].Name == req.Node {
			self = &req.Nodes[i]
		}
	}
	if self == nil {
		fatal("node %q is not among the cluster's %d nodes", req.Node, len(req.Nodes))
	}
	sr := statusResponse(&req, self)
	switch req.Format {
	case "json":
		if err := command.PrintOutputWithType(sr, "json"); err != nil {
			os.Exit(1)
		}
	case "brief":
		pkg.FormatStatusResponseBrief(os.Stdout, sr)
		if unhealthy(sr) {
			os.Exit(1)
		}
	case "text", "":
		w := tabwriter.NewWriter(os.Stdout, 2, 0, 3, ' ', 0)
		pkg.FormatStatusResponse(w, sr, pkg.StatusDetails{})
		if unhealthy(sr) {
			w.Flush()
			os.Exit(1)
		}
		// as cilium-dbg decides it: the prober runs when the agent has its health endpoint controller
		healthEnabled := false
		for _, c := range sr.Controllers {
			if c.Name == healthDefaults.HealthEPName {
				healthEnabled = true
				break
			}
		}
		if !healthEnabled {
			fmt.Fprint(w, "Cluster health:\t\tProbe disabled\n")
		} else {
			if self.HealthUnreachable {
				// upstream asks the daemon on its socket; none listens at this path
				dir, err := os.MkdirTemp("", "cilium-health-")
				if err != nil {
					fatal("temp dir: %v", err)
				}
				defer os.RemoveAll(dir)
				os.Setenv(healthDefaults.SockPathEnv, filepath.Join(dir, "health.sock"))
				healthPkg.GetAndFormatHealthStatus(w, false, false, 10)
			} else {
				healthPkg.FormatHealthStatusResponse(w, healthResponse(&req, self), false, false, 10)
			}
			fmt.Fprintf(w, "Modules Health:")
			// no module reports its health: the agent's hive is simulated
			healthPkg.GetAndFormatModulesHealth(w, nil, false, "\t\t")
			fmt.Fprintln(w)
		}
		w.Flush()
	default:
		fatal("unknown format %q (text, brief or json)", req.Format)
	}
}

func unhealthy(sr *models.StatusResponse) bool {
	if sr.Cilium != nil {
		return sr.Cilium.State != models.StatusStateOk && sr.Cilium.State != models.StatusStateDisabled
	}
	return false
}

func statusResponse(req *request, self *node) *models.StatusResponse {
	k8s := req.KubernetesVersion
	if len(k8s) > 0 && k8s[0] == 'v' {
		k8s = k8s[1:]
	}
	minor := k8s
	if i := indexNth(k8s, '.', 2); i > 0 {
		minor = k8s[:i]
	}
	ciliumState, ciliumMsg := models.StatusStateOk, fmt.Sprintf("%s (v%s)", req.Version, req.Version)
	if req.CiliumState != "" {
		ciliumState, ciliumMsg = req.CiliumState, req.CiliumMsg
	}
	peers := int64(len(req.Nodes) - 1)
	enc := &models.EncryptionStatus{Mode: models.EncryptionStatusModeWireguard}
	if self.WireguardError != "" {
		// what the agent's status collector writes when its WireGuard status call errors
		enc.Msg = self.WireguardError
	} else {
		nodeEnc := "Disabled"
		if req.NodeEncryption {
			nodeEnc = "Enabled"
		}
		enc.Wireguard = &models.WireguardStatus{
			NodeEncryption: nodeEnc,
			Interfaces: []*models.WireguardInterface{
				{Name: "cilium_wg0", PublicKey: self.WgPubKey, ListenPort: 51871, PeerCount: peers},
			},
		}
	}
	controllers := models.ControllerStatuses{}
	now := strfmt.DateTime(time.Now())
	for _, name := range []string{healthDefaults.HealthEPName, "sync-lb-maps-with-k8s-services", "ipcache-inject-labels", "endpoint-gc"} {
		controllers = append(controllers, &models.ControllerStatus{
			Name:   name,
			Status: &models.ControllerStatusStatus{SuccessCount: 1, LastSuccessTimestamp: now},
		})
	}
	if req.HealthDisabled {
		controllers = controllers[1:]
	}
	clusters := make([]*models.RemoteCluster, 0, len(req.RemoteClusters))
	for _, r := range req.RemoteClusters {
		clusters = append(clusters, remoteCluster(r, contains(req.RemoteClustersDown, r), len(req.Nodes), now))
	}
	clusterNodes := make([]*models.NodeElement, 0, len(req.Nodes))
	for _, n := range req.Nodes {
		clusterNodes = append(clusterNodes, &models.NodeElement{
			Name:           req.Cluster + "/" + n.Name,
			PrimaryAddress: &models.NodeAddressing{IPV4: &models.NodeAddressingElement{IP: n.IP, Enabled: true}},
		})
	}
	return &models.StatusResponse{
		Kvstore: &models.Status{State: models.StatusStateDisabled},
		Kubernetes: &models.K8sStatus{
			State: models.StatusStateOk,
			Msg:   fmt.Sprintf("%s (v%s) [linux/amd64]", minor, k8s),
			K8sAPIVersions: []string{
				"EndpointSliceOrEndpoint", "cilium/v2::CiliumClusterwideNetworkPolicy", "cilium/v2::CiliumEndpoint",
				"cilium/v2::CiliumNetworkPolicy", "cilium/v2::CiliumNode", "cilium/v2alpha1::CiliumCIDRGroup",
				"core/v1::Namespace", "core/v1::Pods", "core/v1::Service", "networking.k8s.io/v1::NetworkPolicy",
			},
		},
		KubeProxyReplacement: &models.KubeProxyReplacement{
			Mode:                models.KubeProxyReplacementModeTrue,
			Devices:             []string{"eth0"},
			DeviceList:          []*models.KubeProxyReplacementDeviceListItems0{{Name: "eth0", IP: []string{self.IP}}},
			DirectRoutingDevice: "eth0",
		},
		HostFirewall: &models.HostFirewall{Mode: models.HostFirewallModeDisabled},
		Srv6:         &models.Srv6{},
		CniChaining:  &models.CNIChainingStatus{Mode: "none"},
		CniFile: &models.Status{
			State: models.StatusStateOk,
			Msg:   "successfully wrote CNI configuration file to /host/etc/cni/net.d/05-cilium.conflist",
		},
		Cilium:      &models.Status{State: ciliumState, Msg: ciliumMsg},
		NodeMonitor: &models.MonitorStatus{Cpus: 8, Npages: 64, Pagesize: 4096},
		Cluster: &models.ClusterStatus{
			CiliumHealth: &models.Status{State: models.StatusStateOk},
			Nodes:        clusterNodes,
			Self:         req.Cluster + "/" + self.Name,
		},
		Ipam:             &models.IPAMStatus{Status: fmt.Sprintf("IPv4: 12/254 allocated from %s, ", self.PodCIDR), IPV4: []string{self.PodCIDR}},
		ClusterMesh:      &models.ClusterMeshStatus{Clusters: clusters},
		IPV4BigTCP:       &models.IPV4BigTCP{},
		IPV6BigTCP:       &models.IPV6BigTCP{},
		BandwidthManager: &models.BandwidthManager{},
		Routing: &models.Routing{
			InterHostRoutingMode: models.RoutingInterHostRoutingModeNative,
			IntraHostRoutingMode: models.RoutingIntraHostRoutingModeBPF,
		},
		AttachMode:   models.AttachModeTcx,
		DatapathMode: models.DatapathModeVeth,
		Masquerading: &models.Masquerading{
			Enabled:             true,
			Mode:                models.MasqueradingModeBPF,
			EnabledProtocols:    &models.MasqueradingEnabledProtocols{IPV4: true},
			SnatExclusionCidrV4: req.PodCIDR,
		},
		Controllers: controllers,
		Proxy: &models.ProxyStatus{
			IP: self.CiliumInternalIP, PortRange: "10000-20000", EnvoyDeploymentMode: "embedded",
		},
		IdentityRange: &models.IdentityRange{MinIdentity: req.ClusterID * 65536, MaxIdentity: req.ClusterID*65536 + 65535},
		Hubble: &models.HubbleStatus{
			State: models.HubbleStatusStateOk,
			Observer: &models.HubbleStatusObserver{
				CurrentFlows: 4095, MaxFlows: 4095, SeenFlows: 66240, Uptime: strfmt.Duration(time.Hour),
			},
		},
		HubbleMetrics: &models.HubbleMetricsStatus{State: models.HubbleMetricsStatusStateOk},
		Encryption:    enc,
	}
}

// healthResponse is what this agent's cilium-health daemon answers: every node probed, each
// reachable unless the facts give its probe's failure text.
func healthResponse(req *request, self *node) *healthModels.HealthStatusResponse {
	probed := time.Now().UTC().Format(time.RFC3339)
	nodes := make([]*healthModels.NodeStatus, 0, len(req.Nodes))
	for _, n := range req.Nodes {
		conn := func() *healthModels.ConnectivityStatus {
			if n.ProbeFailure != "" && n.Name != self.Name {
				return &healthModels.ConnectivityStatus{Status: n.ProbeFailure, LastProbed: probed}
			}
			return &healthModels.ConnectivityStatus{Latency: 180_000, LastProbed: probed}
		}
		nodes = append(nodes, &healthModels.NodeStatus{
			Name: req.Cluster + "/" + n.Name,
			Host: &healthModels.HostStatus{
				PrimaryAddress: &healthModels.PathStatus{IP: n.IP, Icmp: conn(), HTTP: conn()},
			},
			HealthEndpoint: &healthModels.EndpointStatus{
				PrimaryAddress: &healthModels.PathStatus{IP: healthIP(n.CiliumInternalIP), Icmp: conn(), HTTP: conn()},
			},
		})
	}
	return &healthModels.HealthStatusResponse{
		Local:         &healthModels.SelfStatus{Name: req.Cluster + "/" + self.Name},
		Nodes:         nodes,
		Timestamp:     probed,
		ProbeInterval: "1m0s",
	}
}

// the health endpoint's address: the node's next after cilium_host (lab/sim/cilium.ts spec.health)
func healthIP(ciliumHost string) string {
	if n := len(ciliumHost); n > 2 && ciliumHost[n-2:] == ".1" {
		return ciliumHost[:n-2] + ".2"
	}
	return ciliumHost
}

func indexNth(s string, c byte, n int) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n--
			if n == 0 {
				return i
			}
		}
	}
	return -1
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// remoteCluster is what pkg/clustermesh/common/remote_cluster.go status()/Status() report: a remote
// whose etcd (the clustermesh-apiserver) answers is connected, synced and ready; one the agent lost
// is waiting for its connection again, nothing synced, with the failure counted.
func remoteCluster(name string, down bool, nodes int, now strfmt.DateTime) *models.RemoteCluster {
	if down {
		return &models.RemoteCluster{
			Name:        name,
			Status:      "Waiting for initial connection to be established",
			NumFailures: 1,
			LastFailure: now,
			Synced:      &models.RemoteClusterSynced{},
		}
	}
	return &models.RemoteCluster{
		Name:      name,
		Ready:     true,
		Connected: true,
		Status: fmt.Sprintf("etcd: 1/1 connected, leases=0, lock leases=0, has-quorum=true: "+
			"https://%s.mesh.cilium.io:2379 - 3.5.17 (Leader)", name),
		NumNodes:      int64(nodes),
		NumEndpoints:  int64(nodes) * 12,
		NumIdentities: 40,
		Synced:        &models.RemoteClusterSynced{Nodes: true, Services: true, Identities: true, Endpoints: true},
	}
}
