/**
 * Per-cluster facts: what the suites compare the live platform against. OWNED BY THE SUITES.
 *
 * Names, namespaces, CIDRs, pools, replica counts and performance targets all live here, with
 * the reference stories' values as defaults (STORY-VALIDATE-NETWORKING, STORY-BOOT-CORE, the
 * Cilium and Dragonfly risk profiles). A platform with other names overrides them in
 * `platform.config.ts` (`clusters.<name>.facts`, a deep-partial object merged over
 * `factsDefaults(name)`); suites never hard-code a component name.
 *
 * Contract with helpers/config/load.ts: `factsSchema` validates one cluster's facts after the
 * defaults are merged in; `factsDefaults(cluster)` gives those defaults.
 */
import { z } from 'zod';

const name = z.string().min(1);
const namespace = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace name (RFC 1123 label)');
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR like 10.244.0.0/16');
const port = z.number().int().min(1).max(65535);
const positiveMs = z.number().positive();
const objRef = z.object({ namespace, name }).strict();
const secretKeyRef = z.object({ name, key: name }).strict();
const samples = z.number().int().min(5).max(10_000);

export const factsSchema = z
  .object({
    /** identity-level facts of the cluster (the identity itself is proven by the runner) */
    cluster: z
      .object({
        name,
        id: z.number().int().min(0).max(255),
        podCidr: cidr,
        serviceCidr: cidr,
        /** Cilium `ipv4NativeRoutingCIDR` */
        nativeRoutingCidr: cidr,
        /** number of control-plane nodes (label node-role.kubernetes.io/control-plane) */
        controlPlaneNodes: z.number().int().min(1),
        /** ConfigMap holding Flux postBuild substitutions (`cluster-settings`) */
        settings: objRef.extend({ corednsReplicasKey: name }).strict(),
      })
      .strict(),
    /** AC1: CRDs Established after phase 0/1 */
    crds: z.object({ established: z.number().int().min(0) }).strict(),
    cilium: z
      .object({
        namespace,
        daemonSet: name,
        operator: name,
        /** label selector of the agent pods */
        agentSelector: name,
        agentContainer: name,
        /** Flux HelmRelease carrying the (post-substitution) Helm values */
        helmRelease: objRef,
        /** values keys (dot paths) that legitimately differ between clusters (TECH-007) */
        clusterSpecificValues: z.array(name),
        hubbleRelay: z.object({ service: name, port }).strict(),
        /** CiliumLoadBalancerIPPool the cluster's LoadBalancer Services draw from */
        lbPool: z.object({ name, cidr }).strict(),
        /** WireGuard expected in `cilium-dbg status` (Encryption: Wireguard) */
        wireguard: z.boolean(),
        /**
         * Whether the datapath really enforces NetworkPolicy. The lab's CNI is simulated, so
         * nothing enforces policies there and the denied-namespace test is reported as skipped
         * (never as passed) when this is false.
         */
        enforcesNetworkPolicy: z.boolean(),
      })
      .strict(),
    /** the pods the connectivity matrix deploys in the run namespace */
    connectivity: z
      .object({
        image: name,
        /** agnhost-style args; the server listens on `port` and answers GET /hostname */
        serverArgs: z.array(z.string()),
        port,
        /** how many server pods (spread over distinct nodes when possible) */
        pods: z.number().int().min(1).max(10),
        /** how long the check waits for the pods to become Ready */
        readyTimeoutMs: positiveMs,
      })
      .strict(),
    gateway: z
      .object({
        className: name,
        gateway: objRef,
        /** listener port and path probed on the Gateway's address for the HTTP p95 baseline */
        probe: z
          .object({
            port,
            path: z.string().startsWith('/'),
            /** Host header for a hostname-bound HTTPRoute; without it the Gateway answers itself (404) */
            host: z.string().min(1).optional(),
          })
          .strict(),
      })
      .strict(),
    coredns: z
      .object({
        namespace,
        deployment: name,
        service: name,
        port,
        lookup: name,
      })
      .strict(),
    certManager: z.object({ namespace, deployments: z.array(name).min(1) }).strict(),
    externalSecrets: z.object({ namespace, deployment: name, clusterSecretStore: name }).strict(),
    flux: z
      .object({
        namespace,
        controllers: z.array(name).min(1),
        gitRepository: name,
        /**
         * The Secret of the GitRepository's `spec.secretRef` (Git credentials), '' when it has none.
         * The least-privilege RBAC (`pnpm rbac`) grants `get` on this name only, and the check
         * refuses a GitRepository whose secretRef names another Secret.
         */
        gitSecret: z.union([z.literal(''), name]),
        /**
         * Where the runner can reach the Git remote for the live head check; empty means use
         * the GitRepository's spec.url as is.
         */
        remoteUrl: z.string(),
      })
      .strict(),
    storage: z
      .object({
        storageClasses: z.array(name).min(1), // none expected would make STO-CLASS/PVC pass by iterating nothing
        ceph: z.object({ enabled: z.boolean(), namespace, cluster: name, toolbox: name }).strict(),
        pvcSize: z.string().regex(/^\d+(Mi|Gi)$/, 'a size like 1Gi'),
        bindTimeoutMs: positiveMs,
      })
      .strict(),
    cnpg: z
      .object({
        enabled: z.boolean(),
        namespace,
        cluster: name,
        instances: z.number().int().min(1),
        poolers: z.array(
          z
            .object({
              name,
              port,
              /** Secret with the app's credentials (keys `username`, `password`) */
              secret: name,
              database: name,
            })
            .strict(),
        ),
      })
      .strict(),
    dragonfly: z
      .object({
        enabled: z.boolean(),
        namespace,
        name,
        service: name,
        port,
        replicas: z.number().int().min(1),
        podSelector: name,
        password: secretKeyRef,
        pdbMinAvailable: z.number().int().min(1),
        samples,
      })
      .strict(),
    kafka: z
      .object({
        enabled: z.boolean(),
        namespace,
        cluster: name,
        brokers: z.number().int().min(1),
        brokerPort: port,
        /** label selector of the broker pods */
        brokerSelector: name,
        samples,
        schemaRegistry: z.object({ service: name, port }).strict(),
      })
      .strict(),
    harbor: z
      .object({
        enabled: z.boolean(),
        namespace,
        service: name,
        port,
        /** Secret with keys `username` and `password` of a robot/admin account */
        credentials: name,
        project: name,
      })
      .strict(),
    observability: z
      .object({
        enabled: z.boolean(),
        namespace,
        /** Prometheus-compatible query API (VictoriaMetrics vmselect) */
        metrics: z.object({ service: name, port, path: z.string().startsWith('/') }).strict(),
        /** VictoriaLogs LogsQL query API */
        logs: z
          .object({
            service: name,
            port,
            path: z.string().startsWith('/'),
            /** only lines this recent count (LogsQL _time filter): retained old lines prove no shipping */
            freshMinutes: z.number().int().positive(),
          })
          .strict(),
        /** cluster label values expected in metrics and logs */
        clusters: z.array(name).min(1),
      })
      .strict(),
    /** AC11 performance baselines (STORY-VALIDATE-NETWORKING) */
    performance: z
      .object({
        dnsAvgMs: positiveMs,
        httpP95Ms: positiveMs,
        kafkaProduceP95Ms: positiveMs,
        podStartAvgMs: positiveMs,
        storageIoP95Ms: positiveMs,
        /** samples per latency measurement */
        samples,
      })
      .strict(),
  })
  .strict();

export type Facts = z.infer<typeof factsSchema>;

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
    },
    certManager: {
      namespace: 'cert-manager',
      deployments: ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'],
    },
    externalSecrets: {
      namespace: 'external-secrets',
      deployment: 'external-secrets',
      clusterSecretStore: 'onepassword',
    },
    flux: {
      namespace: 'flux-system',
      controllers: [
        'source-controller',
        'kustomize-controller',
        'helm-controller',
        'notification-controller',
      ],
      gitRepository: 'flux-system',
      // what `flux bootstrap` creates next to the GitRepository (deploy key or token)
      gitSecret: 'flux-system',
      remoteUrl: '',
    },
    storage: {
      storageClasses: ['rook-ceph-block', 'openebs-hostpath'],
      ceph: { enabled: true, namespace: 'rook-ceph', cluster: 'rook-ceph', toolbox: 'rook-ceph-tools' },
      pvcSize: '1Gi',
      bindTimeoutMs: 60_000,
    },
    cnpg: { enabled: false, namespace: 'cnpg-system', cluster: 'shared-postgres', instances: 3, poolers: [] },
    dragonfly: {
      enabled: false,
      namespace: 'dragonfly-system',
      name: 'dragonfly',
      service: 'dragonfly',
      port: 6379,
      replicas: 3,
      podSelector: 'app=dragonfly',
      password: { name: 'dragonfly-auth', key: 'password' },
      pdbMinAvailable: 2,
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
      schemaRegistry: { service: 'schema-registry', port: 8081 },
    },
    harbor: {
      enabled: false,
      namespace: 'harbor',
      service: 'harbor-core',
      port: 80,
      credentials: 'harbor-admin',
      project: 'library',
    },
    observability: {
      enabled: false,
      namespace: 'observability',
      metrics: { service: 'vmselect-victoria-metrics', port: 8481, path: '/select/0/prometheus' },
      logs: { service: 'vlselect-victoria-logs', port: 9471, path: '/select/logsql/query', freshMinutes: 15 },
      clusters: ['infra', 'apps'],
    },
    performance: {
      dnsAvgMs: 10,
      httpP95Ms: 100,
      kafkaProduceP95Ms: 50,
      podStartAvgMs: 30_000,
      storageIoP95Ms: 10,
      samples: 50,
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
    f.harbor.enabled = true;
  }
  return f;
}

/**
 * What the local lab (lab/) differs in from the reference platform, as facts overrides for the
 * `lab` environment of platform.config.ts (`facts: labFacts('infra')`). The lab keeps the
 * reference CIDRs as data; its CNI is simulated, so NetworkPolicy is not enforced there and the
 * denied-namespace test is skipped instead of being counted as passed.
 */
export function labFacts(_clusterName: string): Record<string, unknown> {
  return { cilium: { enforcesNetworkPolicy: false } };
}
