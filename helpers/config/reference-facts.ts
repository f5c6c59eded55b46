/**
 * The reference platform's facts (STORY-VALIDATE-NETWORKING, STORY-BOOT-CORE, the Cilium and
 * Dragonfly risk profiles): the defaults every cluster's `facts` overrides are merged over.
 * OWNED BY THE SUITES, as the schema (./facts.ts).
 */
import type { Facts } from './facts.js';

/** Values shared by both reference clusters; `factsDefaults` adds what differs. */
function baseFacts(clusterName: string): Facts {
  return {
    cluster: {
      name: clusterName,
      id: 1,
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.245.0.0/16',
      nativeRoutingCidr: '10.244.0.0/16',
      controlPlaneNodes: 3,
      settings: {
        namespace: 'flux-system',
        name: 'cluster-settings',
        corednsReplicasKey: 'COREDNS_REPLICAS',
        keys: {
          name: 'CLUSTER',
          id: 'CLUSTER_ID',
          podCidr: 'POD_CIDR',
          serviceCidr: 'SERVICE_CIDR',
          lbPoolCidr: 'CILIUM_LB_POOL_CIDR',
          dnsClusterIp: 'COREDNS_CLUSTER_IP',
        },
      },
    },
    crds: { established: 77 },
    cilium: {
      namespace: 'kube-system',
      daemonSet: 'cilium',
      operator: 'cilium-operator',
      agentSelector: 'k8s-app=cilium',
      agentContainer: 'cilium-agent',
      helmRelease: { namespace: 'kube-system', name: 'cilium' },
      kustomization: 'cilium-core',
      chartSource: { kind: 'OCIRepository', name: 'cilium', namespace: 'flux-system' },
      // TECH-007: everything else in the values must be identical across clusters
      clusterSpecificValues: [
        'cluster.name',
        'cluster.id',
        'ipv4NativeRoutingCIDR',
        'ipam.operator.clusterPoolIPv4PodCIDRList',
        'clustermesh.apiserver.service.loadBalancerIP',
        'bgpControlPlane.localASN',
        'k8sServiceHost',
      ],
      hubbleRelay: { service: 'hubble-relay', port: 80 },
      lbPool: { name: 'infra-pool', cidr: '10.245.10.0/24' },
      wireguard: true,
      enforcesNetworkPolicy: true,
      // the reference mesh is infra <-> apps; another cluster name joins no mesh unless configured
      clusterMesh: {
        enabled: clusterName === 'infra' || clusterName === 'apps',
        remoteClusters: clusterName === 'infra' ? ['apps'] : clusterName === 'apps' ? ['infra'] : [],
      },
    },
    connectivity: {
      image: 'registry.k8s.io/e2e-test-images/agnhost:2.53',
      serverArgs: ['netexec', '--http-port=8080'],
      port: 8080,
      pods: 2,
      readyTimeoutMs: 60_000,
    },
    gateway: {
      className: 'cilium',
      // the reference platform names its Gateway after the cluster (networking/<cluster>-gateway)
      gateway: { namespace: 'networking', name: `${clusterName}-gateway` },
      // probed from a pod in the run namespace at the Gateway's status address (the Service
      // cilium-gateway-<name> has no selector, so it cannot be port-forwarded)
      probe: { port: 80, path: '/' },
    },
    coredns: {
      namespace: 'kube-system',
      deployment: 'coredns',
      service: 'kube-dns',
      port: 53,
      lookup: 'kubernetes.default.svc.cluster.local',
      clusterIp: '10.245.0.10',
    },
    certManager: {
      namespace: 'cert-manager',
      deployments: ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'],
      wildcard: { namespace: 'cert-manager', name: 'wildcard-cert', dnsName: '*.monosense.io' },
    },
    externalSecrets: {
      namespace: 'external-secrets',
      deployment: 'external-secrets',
      clusterSecretStore: 'onepassword',
    },
    arc: {
      enabled: false,
      namespace: 'actions-runner',
      controllerNamespace: 'actions-runner',
      scaleSets: ['k8s-gitops', 'pilar-apps'],
    },
    spegel: { enabled: true, namespace: 'spegel-system', daemonSet: 'spegel' },
    reloader: { enabled: true, namespace: 'kube-system', deployment: 'reloader', rolloutTimeoutMs: 60_000 },
    flux: {
      namespace: 'flux-system',
      controllers: [
        'source-controller',
        'kustomize-controller',
        'helm-controller',
        'notification-controller',
      ],
      gitRepository: 'flux-system',
      instance: 'flux',
      instanceRelease: { namespace: 'flux-system', name: 'flux-instance' },
      // what `flux bootstrap` creates next to the GitRepository (deploy key or token)
      gitSecret: 'flux-system',
      remoteUrl: '',
      unmanagedAllowed: [],
      // the seed's Test 6 names the Cilium and Gateway API CRDs
      crdOwnership: { groups: ['cilium.io', 'gateway.networking.k8s.io'], manager: 'kustomize-controller' },
      // the read role lists no Secret (helpers/reads/access.ts reads them by name only)
      inventoryUnread: ['Secret'],
    },
    storage: {
      storageClasses: ['rook-ceph-block', 'openebs-hostpath'],
      ceph: { enabled: true, namespace: 'rook-ceph', cluster: 'rook-ceph', toolbox: 'rook-ceph-tools' },
      pvcSize: '1Gi',
      bindTimeoutMs: 60_000,
      // Rook's RBD snapshot class (rook-ceph-cluster chart default name); the snapshot-controller runs on apps
      snapshot: {
        enabled: false,
        storageClass: 'rook-ceph-block',
        snapshotClass: 'csi-ceph-blockpool',
        readyTimeoutMs: 60_000,
      },
    },
    cnpg: {
      enabled: false,
      namespace: 'cnpg-system',
      cluster: 'shared-postgres',
      instances: 3,
      monitorSecret: 'platform-validation-pg-monitor',
      backupMaxAgeHours: 26,
      poolers: [],
    },
    dragonfly: {
      enabled: false,
      namespace: 'dragonfly-system',
      name: 'dragonfly',
      service: 'dragonfly',
      port: 6379,
      replicas: 3,
      podSelector: 'app=dragonfly',
      serviceMonitor: 'dragonfly',
      password: { name: 'dragonfly-auth', key: 'password' },
      pdbMinAvailable: 2,
      // the risk profile: gitlab-system, harbor, selected apps (labelled), observability
      clientNamespaces: ['gitlab', 'gitlab-system', 'harbor', 'observability'],
      clientNamespaceLabel: 'dragonfly.io/client=true',
      image: 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.34.2',
      operatorImage: 'docker.dragonflydb.io/dragonflydb/operator:v1.3.0',
      samples: 50,
    },
    kafka: {
      enabled: false,
      namespace: 'messaging',
      cluster: 'kafka-cluster',
      brokers: 3,
      brokerPort: 9092,
      brokerSelector: 'strimzi.io/cluster=kafka-cluster,strimzi.io/broker-role=true',
      samples: 50,
      schemaRegistry: {
        service: 'schema-registry',
        port: 8081,
        deployment: 'schema-registry',
        replicas: 2,
        storeTopic: '_schemas',
      },
      topics: ['_schemas'],
    },
    volsync: { enabled: false, replicationSources: [], replicationDestinations: [] },
    harbor: {
      enabled: false,
      namespace: 'harbor',
      service: 'harbor-core',
      port: 80,
      credentials: 'harbor-admin',
      project: 'library',
      coreConfigMap: 'harbor-core',
      pooler: 'harbor-pooler-rw',
    },
    observability: {
      enabled: false,
      namespace: 'observability',
      metrics: { service: 'vmselect-victoria-metrics', port: 8481, path: '/select/0/prometheus' },
      logs: { service: 'vlselect-victoria-logs', port: 9471, path: '/select/logsql/query', freshMinutes: 15 },
      // kube-prometheus' Watchdog and InfoInhibitor fire by design
      // window: VMAlert's 1 m interval + vmalert's default 30 s evalDelay, with slack
      alerts: { watchdog: 'Watchdog', expected: ['Watchdog', 'InfoInhibitor'], windowS: 180 },
      // the job labels depend on the platform's scrape objects: name them in platform.config.ts
      scrapeJobs: [],
      operator: {
        vmCluster: 'victoria-metrics',
        vmAgent: 'vmagent',
        vmAuth: 'victoria-metrics',
        vlCluster: 'victoria-logs',
      },
      clusters: ['infra', 'apps'],
    },
    performance: {
      dnsAvgMs: 10,
      httpP95Ms: 100,
      kafkaProduceP95Ms: 50,
      podStartAvgMs: 30_000,
      podStartPods: 3,
      storageIoP95Ms: 10,
      samples: 50,
    },
    // STORY-VALIDATE-NETWORKING AC1.7
    namespaces: ['external-secrets', 'cert-manager', 'flux-system', 'cnpg-system', 'observability'],
    // the seeds' operators and controllers, as their charts name them
    workloads: {
      rookCephOperator: { namespace: 'rook-ceph', deployments: ['rook-ceph-operator'] },
      cnpgOperator: { namespace: 'cnpg-system', deployments: ['cnpg-cloudnative-pg'] },
      dragonflyOperator: { namespace: 'dragonfly-system', deployments: ['dragonfly-operator'] },
      strimziOperator: { namespace: 'messaging', deployments: ['strimzi-cluster-operator'] },
      fluxOperator: { namespace: 'flux-system', deployments: ['flux-operator'] },
      clustermeshApiserver: { namespace: 'kube-system', deployments: ['clustermesh-apiserver'] },
      snapshotController: { namespace: 'volsync-system', deployments: ['snapshot-controller'] },
      volsync: { namespace: 'volsync-system', deployments: ['volsync'] },
      arcController: { namespace: 'actions-runner', deployments: ['gha-rs-controller'] },
      kubeStateMetrics: { namespace: 'observability', deployments: ['kube-state-metrics'] },
      nodeExporter: { namespace: 'observability', daemonSets: ['node-exporter'] },
    },
  };
}

/** Reference-story defaults for a cluster name (`infra`, `apps`; other names get the infra shape). */
export function factsDefaults(clusterName: string): Facts {
  const f = baseFacts(clusterName);
  if (clusterName === 'infra') {
    // infra hosts the global observability stack (VictoriaMetrics/VictoriaLogs)
    f.observability.enabled = true;
  }
  if (clusterName === 'apps') {
    f.cluster.id = 2;
    f.cluster.podCidr = '10.246.0.0/16';
    f.cluster.serviceCidr = '10.247.0.0/16';
    f.cluster.nativeRoutingCidr = '10.246.0.0/16';
    f.cilium.lbPool = { name: 'apps-pool', cidr: '10.247.10.0/24' };
    f.coredns.clusterIp = '10.247.0.10';
    // AC4/AC6/AC9: the shared Postgres with its poolers, Dragonfly, Kafka and Harbor live on apps
    f.cnpg.enabled = true;
    // CNPG names a Pooler's Service after the Pooler: <app>-pooler-rw (AC4's psql test host)
    f.cnpg.poolers = (
      [
        ['gitlab', 'gitlabhq_production'],
        ['harbor', 'registry'],
        ['keycloak', 'keycloak'],
        ['synergyflow', 'synergyflow'],
      ] as const
    ).map(([app, database]) => ({
      name: `${app}-pooler-rw`,
      port: 5432,
      secret: `${app}-db-credentials`,
      database,
    }));
    f.dragonfly.enabled = true;
    f.kafka.enabled = true;
    // AC8: the GitHub runners (k8s-gitops, pilar-apps) live on apps
    f.arc.enabled = true;
    f.harbor.enabled = true;
    f.storage.snapshot.enabled = true;
    // AC7.3/7.4: the test replication of Harbor's Trivy cache
    f.volsync = {
      enabled: true,
      replicationSources: [{ namespace: 'harbor', name: 'harbor-trivy' }],
      replicationDestinations: [{ namespace: 'harbor', name: 'harbor-trivy-dst' }],
    };
  }
  return f;
}
