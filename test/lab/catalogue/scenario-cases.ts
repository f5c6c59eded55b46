// The lab scenarios the catalogue runs against (scenarios-suites.test.ts) and what each must turn
// red: data only, so a unit test (test/unit/check/fault-matrix.test.ts) can read which check ids a
// scenario proves without the lab.

/** `<cluster>:<check id>` that must fail, with a pattern the failure message must match (the cause). */
export type Expected = Record<string, RegExp>;

export interface ScenarioCase {
  name: string;
  fail: Expected;
  /** documented as "may fail" by the scenario (e.g. produce through the remaining brokers) */
  mayFail?: string[];
  /** tag expression of the relevant subset (`pnpm test --grep`); absent: the whole catalogue */
  grep?: string;
  /** the whole project fails before any check (identity guard) */
  projectFails?: { cluster: string; message: RegExp };
  /** after the reset, re-baseline the checks of this --grep (PV_BASELINE=write): the scenario changed what they record */
  rebaseline?: string;
}

// From lab/scenarios/*.ts `expect` texts, mapped onto check ids.
export const CASES: ScenarioCase[] = [
  { name: 'healthy', fail: {} },
  {
    name: 'ceph-health-warn',
    grep: 'rook-ceph',
    fail: {
      'infra:STO-CEPH-001': /HEALTH_WARN|OSD_DOWN/,
      'infra:STO-CEPH-002': /HEALTH_WARN|OSD_DOWN|OSDs up/,
    },
  },
  {
    name: 'cilium-agent-restarted',
    grep: 'cilium',
    rebaseline: 'cilium',
    fail: { 'infra:NET-CILIUM-005': /changed since the baseline.*(recreated|restarts|gone|new)/ },
  },
  {
    name: 'cert-manager-restarted',
    grep: 'kubernetes || cert-manager',
    fail: {
      'infra:BOOT-HYG-003':
        /cert-manager\/cert-manager-[\w-]+ container cert-manager-controller \(restarts 1, last exit Error 137 at \d{4}-/,
    },
  },
  {
    name: 'reloader-down',
    grep: 'reloader',
    fail: {
      'apps:BOOT-RELOADER-001':
        /pv-reload-[\w-]+ not reloaded[\s\S]*pod template unchanged[\s\S]*Reloader Deployment kube-system\/reloader: 0 of 0 available/,
    },
  },
  {
    name: 'dragonfly-metrics-unlabelled',
    grep: 'dragonfly',
    fail: {
      'apps:DB-DRAGONFLY-011':
        /ServiceMonitor dragonfly-system\/dragonfly endpoint port admin: no selected Service has it \(dragonfly-system\/dragonfly\)[\s\S]*3 of 3 pods are no ready endpoint of a selected Service with port admin/,
    },
  },
  {
    name: 'spegel-hostport-conflict',
    grep: 'spegel',
    fail: {
      'infra:NET-SPEGEL-001':
        /hostPort 29999\/TCP of DaemonSet spegel-system\/spegel also bound by pod kube-system\/node-agent-\w+ \(Pending: [\s\S]*?didn't have free ports/,
    },
  },
  {
    name: 'arc-scale-set-unregistered',
    grep: 'arc',
    fail: {
      'apps:BOOT-ARC-001':
        /AutoscalingRunnerSet actions-runner\/pilar-apps has no runner-scale-set-id annotation: GitHub has not created its scale set/,
    },
  },
  {
    name: 'bgp-auth-secret-missing',
    grep: 'bgp',
    fail: {
      'infra:NET-BGP-002':
        /CiliumBGPPeerConfig upstream-router for upstream-router \(10\.25\.11\.1, AS 64501\): cilium\.io\/MissingAuthSecret=True \(Referenced Auth Secret \\?"bgp-upstream-router\\?" is missing\)/,
    },
  },
  {
    name: 'ceph-toolbox-down',
    grep: 'rook-ceph || kubernetes',
    fail: {
      'infra:EVID-HEALTH-001':
        /health evidence not captured on infra: ceph status: running pods of toolbox Deployment rook-ceph\/rook-ceph-tools/,
      'infra:STO-CEPH-002': /running pods of toolbox Deployment rook-ceph\/rook-ceph-tools/,
    },
  },
  {
    name: 'cilium-health-unreachable',
    grep: 'cilium',
    fail: {
      'infra:NET-CILIUM-001': /infra-cp-2: .*Cluster health: Warning\s+cilium-health daemon unreachable/,
    },
  },
  {
    name: 'wireguard-error',
    grep: 'cilium',
    fail: {
      'apps:NET-CILIUM-004': /cilium-\w+: Wireguard\s+failed to get WireGuard device cilium_wg0/,
    },
  },
  {
    name: 'coredns-down',
    // kubernetes: the cluster-wide hygiene checks see the crash-looping pods and the PDB they break
    grep: 'coredns || kubernetes',
    fail: {
      'infra:BOOT-HYG-001':
        /kube-system\/coredns-[\w-]+ container coredns \(restarts \d+, last exit Error 1\)/,
      'infra:BOOT-HYG-002': /kube-system\/coredns: violated \(currentHealthy 0, desiredHealthy 1/,
      'infra:BOOT-CORE-004': /coredns|ready|available/i,
      // no resolver behind kube-dns: an error, not a slow answer
      'infra:NET-DNS-001': /^(?![\s\S]*target < )[\s\S]+/,
      'infra:PERF-DNS-001': /^(?![\s\S]*target < )[\s\S]+/,
    },
  },
  {
    name: 'pooler-down',
    grep: 'cnpg || pgbouncer || harbor',
    fail: {
      'apps:DB-CNPG-002': /harbor-pooler-rw/,
      'apps:REG-HARBOR-001': /database|core|unhealthy/i,
      // its settings name the pooler, and Harbor cannot reach the database through it
      'apps:REG-HARBOR-003': /Harbor health: database component unhealthy/,
    },
  },
  {
    name: 'pg-standby-down',
    grep: 'cnpg || pgbouncer',
    fail: { 'apps:DB-CNPG-001': /streamingStandbys[\s\S]*shared-postgres-3/ },
  },
  {
    name: 'dragonfly-auth-wrong',
    grep: 'dragonfly || external-secrets',
    fail: {
      'apps:DB-DRAGONFLY-001': /WRONGPASS|NOAUTH|invalid password/i,
      'apps:DB-DRAGONFLY-007': /WRONGPASS|NOAUTH|invalid password/i,
    },
  },
  {
    name: 'kafka-broker-down',
    grep: 'kafka',
    fail: { 'apps:MSG-KAFKA-001': /Ready=False|ready brokers 2/ },
    mayFail: ['apps:MSG-KAFKA-002', 'apps:PERF-KAFKA-001'],
  },
  {
    name: 'kustomization-not-ready',
    grep: 'flux',
    fail: { 'apps:BOOT-CORE-010': /cluster-apps-workloads/ },
    mayFail: ['apps:GITOPS-FLUX-002'],
  },
  {
    // a fault made through the real kustomize-controller: its own reason and the API server's refusal
    name: 'flux-broken-manifest',
    grep: 'flux',
    fail: {
      'apps:BOOT-CORE-010':
        /lab-flux-broken\/broken-layer: Ready=False \(ReconciliationFailed: ConfigMap\/lab-flux-broken\/app-settings dry-run failed: .*\.data\.replicas: expected string/,
    },
    mayFail: ['apps:GITOPS-FLUX-002'],
  },
  {
    name: 'harbor-internal-database',
    grep: 'harbor',
    fail: {
      'apps:REG-HARBOR-003':
        /ConfigMap harbor\/harbor-core: POSTGRESQL_HOST is "harbor-database", expected the pooler harbor-pooler-rw\.cnpg-system/,
    },
  },
  {
    name: 'harbor-internal-redis',
    grep: 'harbor',
    fail: {
      'apps:REG-HARBOR-004':
        /Secret harbor\/harbor-core _REDIS_URL_CORE: host is "harbor-redis", expected the Dragonfly Service dragonfly\.dragonfly-system/,
    },
  },
  {
    name: 'prometheusrule-not-loaded',
    grep: 'victoriametrics || victorialogs',
    fail: {
      'infra:OBS-VM-006':
        /PrometheusRule observability\/lab-unloaded: group lab-unloaded, alert LabRuleNotLoaded: not loaded by vmalert/,
    },
  },
  {
    name: 'clustermesh-apiserver-down',
    grep: 'clustermesh',
    fail: {
      'infra:NET-CLUSTERMESH-001': /kube-system\/clustermesh-apiserver: scaled to 0 replicas/,
      'apps:NET-CLUSTERMESH-002':
        /cilium-[\w-]+@apps-cp-\d: remote cluster infra not ready \(connected false, 0 nodes, status "Waiting for initial connection to be established", 1 failures/,
      'apps:NET-CLUSTERMESH-003':
        /pv-run-[\w-]+\/pv-gsvc-apps-infra-[\w-]+ \(ClusterIP 10\.247\.\d+\.\d+\) never answered with infra's backend pv-gsvc-apps-infra-[\w-]+-b \(\d+ tries, last: error: /,
    },
  },
  {
    name: 'helm-cli-leftover',
    grep: 'flux',
    fail: {
      'infra:GITOPS-OWN-001':
        /Deployment kube-system\/hubble-ui: installed by the Helm CLI \(release cilium-bootstrap in kube-system\), adopted by no HelmRelease/,
    },
  },
  {
    name: 'crd-second-owner',
    grep: 'flux',
    fail: {
      'apps:GITOPS-OWN-002':
        /CRD ciliumbgppeeringpolicies\.cilium\.io: 2 field managers outside status \(kustomize-controller \(Apply\), helm \(Update\)\), expected kustomize-controller only/,
    },
  },
  {
    name: 'snapshot-controller-down',
    grep: 'volsync',
    fail: {
      'apps:BOOT-OPS-006': /volsync-system\/snapshot-controller: scaled to 0 replicas/,
      'apps:STO-SNAP-001':
        /VolumeSnapshot pv-run-[\w-]+\/pv-snap not readyToUse within \d+ ms: no status \(no snapshot-controller answered\)/,
    },
  },
  {
    name: 'flux-controller-down',
    grep: 'flux',
    fail: {
      'apps:BOOT-CORE-008': /flux-system\/helm-controller: scaled to 0 replicas/,
      'apps:EVID-FLUX-001': /logs of helm-controller: no pod labelled app=helm-controller in flux-system/,
    },
  },
  {
    name: 'inventory-object-deleted',
    grep: 'flux',
    fail: {
      'infra:GITOPS-DRIFT-001':
        /ServiceAccount kube-system\/coredns \(Kustomization flux-system\/cluster-infra-infrastructure\): in the inventory, not on the cluster/,
    },
  },
  {
    name: 'policy-enforcement-off',
    grep: 'cilium || dragonfly',
    fail: {
      'apps:NET-POLICY-001': /deny-all did not drop pv-np-other -> pv-np-server/,
      'apps:DB-DRAGONFLY-006':
        /dragonfly-\d [\d.]+:6379: refused, so the connection reached the pod|reachable from denied namespace/,
    },
  },
  {
    name: 'operators-scaled-down',
    grep: 'rook-ceph || kafka',
    fail: {
      'infra:BOOT-OPS-001': /rook-ceph\/rook-ceph-operator: scaled to 0 replicas/,
      'apps:BOOT-OPS-004': /messaging\/strimzi-cluster-operator: scaled to 0 replicas/,
    },
  },
  {
    // each resource's operator reports the failure; one cluster each, so the other proves the pass
    name: 'platform-resources-failing',
    grep: 'bgp || cert-manager || flux || cnpg || volsync || victoriametrics || victorialogs',
    fail: {
      'infra:GITOPS-SRC-001': /OCIRepository flux-system\/spegel: Ready=False \(OCIArtifactPullFailed/,
      'infra:GITOPS-FLUXOP-001': /FluxInstance flux-system\/flux: Ready=False \(ReconciliationFailed/,
      'infra:OBS-VM-003':
        /VMCluster observability\/victoria-metrics: updateStatus failed, expected operational \(cannot wait for vmstorage/,
      'infra:OBS-VM-004': /VMAuth observability\/victoria-metrics: updateStatus failed/,
      'infra:OBS-VL-002': /VLCluster observability\/victoria-logs: updateStatus failed/,
      'apps:GITOPS-FLUXOP-002': /HelmRelease flux-system\/flux-instance[\s\S]*Ready=False \(UpgradeFailed/,
      'apps:BOOT-CORE-011': /flux-system\/flux-instance/,
      'apps:NET-CERT-001': /Certificate cert-manager\/wildcard-cert: Ready=False \(DoesNotExist/,
      'apps:NET-BGP-001':
        /CiliumBGPNodeConfig apps-cp-2: peer upstream-router \(10\.25\.11\.1\) session active, expected established/,
      'apps:DB-CNPG-003':
        /Backup cnpg-system\/shared-postgres-daily-initial \(newest finished\): phase failed/,
      'apps:STO-VOLSYNC-001': /ReplicationSource harbor\/harbor-trivy: last sync Failed/,
    },
  },
  {
    // a real chain: the stopped process fails its scrape, vmalert fires TargetDown into ALERTS
    name: 'dragonfly-replica-down',
    grep: 'victoriametrics',
    // the message carries the labels JSON-escaped (\"): matched across the quoting
    fail: {
      'infra:OBS-VM-005':
        /target down: up\{cluster=\W+apps\W+namespace=\W+dragonfly-system\W+job=\W+dragonfly\W+pod=\W+dragonfly-2\W/,
      'infra:OBS-ALERT-001':
        /firing: TargetDown\{cluster=\W+apps\W+namespace=\W+dragonfly-system\W+job=\W+dragonfly\W+pod=\W+dragonfly-2\W/,
    },
  },
  { name: 'registry-auth-broken', grep: 'harbor', fail: { 'apps:REG-HARBOR-002': /401/ } },
  {
    // the agents stay Ready and connected: only the allocation against the baseline shows it
    name: 'cilium-ipam-reallocated',
    grep: 'cilium',
    fail: {
      'infra:NET-CILIUM-011':
        /IPAM pod CIDRs changed since the baseline of \S+: infra-cp-2: 10\.244\.1\.0\/24 -> 10\.244\.3\.0\/24/,
    },
  },
  {
    // registration, compatibility and replicas still pass: only the store topic shows the fault
    name: 'schema-registry-wrong-topic',
    grep: 'kafka',
    fail: {
      'apps:MSG-SR-003':
        /_schemas received no SCHEMA record for subject pv-subject-\S+-store-value \(registered as id \d+\).*kafkastore\.topic/,
    },
  },
  {
    // the Gateway objects keep Programmed: only the probe through its address sees the outage
    name: 'gateway-down',
    grep: 'gateway',
    fail: {
      'infra:PERF-HTTP-001': /HTTP errors \(no answer, 4xx or 5xx: [^)]*\).*: (\d+)\/\1\b/,
      'apps:PERF-HTTP-001': /HTTP errors \(no answer, 4xx or 5xx: [^)]*\).*: (\d+)\/\1\b/,
    },
  },
  {
    name: 'wrong-cluster-identity',
    // infra's checks that use apps as a peer refuse the unproven peer
    fail: {
      'infra:NET-CILIUM-007': /identity|expected|apps/i,
      'infra:NET-CLUSTERMESH-003':
        /cluster "apps" \(context "lab-apps"[^)]*\) is not the expected cluster: [\s\S]*expected "apps", seen "infra"[\s\S]*nothing was run or created on it/,
    },
    projectFails: { cluster: 'apps', message: /identity|expected "apps"/i },
  },
];
