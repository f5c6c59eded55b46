/**
 * Per-cluster facts: what the suites compare the live platform against. OWNED BY THE SUITES.
 *
 * The schema of one cluster's facts: names, namespaces, CIDRs, pools, replica counts and
 * performance targets. Their values for the reference platform are in ./reference-facts.ts; a
 * platform with other names overrides them in `platform.config.ts` (`clusters.<name>.facts`, a
 * deep-partial object checked by `factsOverridesSchema` and merged over `factsDefaults(name)`);
 * suites never hard-code a component name.
 *
 * Contract with helpers/config/load.ts: `factsSchema` validates one cluster's facts after the
 * defaults are merged in.
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
/** Workloads of one namespace a check waits for; at least one is named (none would pass by iterating nothing). */
const workloads = z
  .object({
    namespace,
    deployments: z.array(name).optional(),
    daemonSets: z.array(name).optional(),
    statefulSets: z.array(name).optional(),
  })
  .strict()
  .refine(
    (w) => (w.deployments?.length ?? 0) + (w.daemonSets?.length ?? 0) + (w.statefulSets?.length ?? 0) > 0,
    {
      message: 'names no Deployment, DaemonSet or StatefulSet',
    },
  );

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
        settings: objRef
          .extend({
            corednsReplicasKey: name,
            /** the keys holding this cluster's identity and networks (CILIUM TECH-010: checked against these facts) */
            keys: z
              .object({
                name,
                id: name,
                podCidr: name,
                serviceCidr: name,
                lbPoolCidr: name,
                dnsClusterIp: name,
              })
              .strict(),
          })
          .strict(),
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
        /** the Flux Kustomization (flux-system) that applies the HelmRelease, and its chart source */
        kustomization: name,
        chartSource: z.object({ kind: z.enum(['OCIRepository', 'HelmChart']), name, namespace }).strict(),
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
        /** ClusterMesh: the remote clusters every agent must report ready (`cilium-dbg status -o json`) */
        clusterMesh: z.object({ enabled: z.boolean(), remoteClusters: z.array(name) }).strict(),
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
        /** kube-dns `spec.clusterIP` (the kubelets' clusterDNS) */
        clusterIp: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'an IPv4 address'),
      })
      .strict(),
    certManager: z
      .object({
        namespace,
        deployments: z.array(name).min(1),
        /** AC2.20: the wildcard Certificate and the name it must cover */
        wildcard: objRef.extend({ dnsName: name }).strict(),
      })
      .strict(),
    externalSecrets: z.object({ namespace, deployment: name, clusterSecretStore: name }).strict(),
    /**
     * Stakater Reloader (AC2.24): `enabled` when it runs on this cluster, so that NET-RELOADER-001
     * changes a run-owned ConfigMap and waits up to `rolloutTimeoutMs` for the Deployment naming it
     * to roll
     */
    /**
     * Actions Runner Controller's scale sets (AC8.2): each AutoscalingRunnerSet in `namespace`, and
     * its listener in `controllerNamespace` (where the controller creates AutoscalingListeners)
     */
    arc: z
      .object({
        enabled: z.boolean(),
        namespace,
        controllerNamespace: namespace,
        scaleSets: z.array(name).min(1),
      })
      .strict(),
    /** Spegel (Cilium risk PERF-003): its DaemonSet, whose host ports no other pod may declare */
    spegel: z.object({ enabled: z.boolean(), namespace, daemonSet: name }).strict(),
    reloader: z
      .object({ enabled: z.boolean(), namespace, deployment: name, rolloutTimeoutMs: positiveMs })
      .strict(),
    flux: z
      .object({
        namespace,
        controllers: z.array(name).min(1),
        gitRepository: name,
        /** flux-operator: the FluxInstance (in `namespace`) and the HelmRelease that installs it (AC10.3) */
        instance: name,
        instanceRelease: objRef,
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
        /**
         * AC1b: workloads (`<namespace>/<name>`, or `<namespace>/*`) that are outside GitOps by design;
         * every other Deployment/DaemonSet/StatefulSet must be managed by a Flux object (labels or owners)
         */
        unmanagedAllowed: z.array(
          z.string().regex(/^[a-z0-9-]+\/([a-z0-9.-]+|\*)$/, 'a "<namespace>/<name>" or "<namespace>/*"'),
        ),
        /**
         * TECH-005 (Test 6): the CRD groups whose CRDs must have one owner, the Flux Kustomization
         * applying them with this field manager, and no other manager of their spec
         */
        crdOwnership: z.object({ groups: z.array(name).min(1), manager: name }).strict(),
        /**
         * T004 drift: kinds of the Kustomizations' inventories GITOPS-DRIFT-001 does not read (counted
         * in its evidence, never compared): Secrets, which the least-privilege role may not list
         */
        inventoryUnread: z.array(z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'a Kind, e.g. Secret')),
      })
      .strict(),
    storage: z
      .object({
        storageClasses: z.array(name).min(1), // none expected would make STO-CLASS/PVC pass by iterating nothing
        ceph: z.object({ enabled: z.boolean(), namespace, cluster: name, toolbox: name }).strict(),
        pvcSize: z.string().regex(/^\d+(Mi|Gi)$/, 'a size like 1Gi'),
        bindTimeoutMs: positiveMs,
        /** AC7.5: a run-owned VolumeSnapshot of a run-owned claim on `storageClass` with `snapshotClass` */
        snapshot: z
          .object({
            enabled: z.boolean(),
            storageClass: name,
            snapshotClass: name,
            readyTimeoutMs: positiveMs,
          })
          .strict(),
      })
      .strict(),
    cnpg: z
      .object({
        enabled: z.boolean(),
        namespace,
        cluster: name,
        instances: z.number().int().min(1),
        /**
         * Secret (keys `username`, `password`) of a role that may read pg_stat_replication's state
         * columns on the primary: a member of pg_monitor, e.g. a CNPG managed role with
         * `inRoles: [pg_monitor]` and this Secret as its passwordSecret (not the superuser: the
         * validation identity should never hold it).
         */
        monitorSecret: name,
        /** AC4.8 daily backups: the ScheduledBackup must have fired within this many hours */
        backupMaxAgeHours: z.number().positive(),
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
        /** MON-001: the ServiceMonitor (in `namespace`) that must scrape every data pod */
        serviceMonitor: name,
        password: secretKeyRef,
        pdbMinAvailable: z.number().int().min(1),
        /** SEC-001: the namespaces whose pods may reach Dragonfly, by name and by label (`k=v`) */
        clientNamespaces: z.array(namespace),
        clientNamespaceLabel: name,
        /** the pinned images (TECH-002: CR, data pods and operator aligned after a bump) */
        image: name,
        operatorImage: name,
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
        /** Schema Registry: its Service, the Deployment with the replicas AC6.5 asks for, and the
         *  store topic it must write to (its kafkastore.topic, AC6.6) */
        schemaRegistry: z
          .object({
            service: name,
            port,
            deployment: name,
            replicas: z.number().int().min(1),
            storeTopic: name.default('_schemas'),
          })
          .strict(),
        /** topics that must exist, each declared by a KafkaTopic of the cluster (AC6.3: `_schemas`) */
        topics: z.array(name),
      })
      .strict(),
    /** AC7.3/7.4: the VolSync replications that must exist and succeed */
    volsync: z
      .object({
        enabled: z.boolean(),
        replicationSources: z.array(objRef),
        replicationDestinations: z.array(objRef),
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
        /** AC9.4: the ConfigMap of harbor-core (the chart's `<release>-core`), and the CNPG pooler
         *  (an entry of `cnpg.poolers`) its database settings must name */
        coreConfigMap: name,
        pooler: name,
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
        /**
         * AC11.16: the alert that always fires (its ALERTS series proves rules are evaluated and
         * written back) and the alerts allowed to fire; any other firing alert is a finding
         */
        alerts: z
          .object({
            watchdog: name,
            expected: z.array(name),
            /**
             * how far back a firing ALERTS sample still counts: at least the rule interval plus
             * vmalert's -rule.evalDelay (its samples are stamped that much in the past), with slack
             */
            windowS: z.number().int().min(10),
          })
          .strict(),
        /** AC5.3: scrape jobs that must have targets (the job label your ServiceMonitors/VMServiceScrapes give) */
        scrapeJobs: z.array(name),
        /** the VictoriaMetrics operator's CRs in `namespace` (AC5.1, AC5.2, AC5.7) */
        operator: z.object({ vmCluster: name, vmAgent: name, vmAuth: name, vlCluster: name }).strict(),
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
        /** pods started side by side for the pod start time (AC11.7) */
        podStartPods: z.number().int().min(1).max(20),
        storageIoP95Ms: positiveMs,
        /** samples per latency measurement */
        samples,
      })
      .strict(),
    /** AC1.7: namespaces that must exist with status.phase Active */
    namespaces: z.array(namespace).min(1),
    /**
     * The operators and platform controllers the seeds require Running, each its namespace and
     * workloads (a check reads only the group of its own acceptance criterion).
     */
    workloads: z
      .object({
        rookCephOperator: workloads,
        cnpgOperator: workloads,
        dragonflyOperator: workloads,
        strimziOperator: workloads,
        fluxOperator: workloads,
        clustermeshApiserver: workloads,
        snapshotController: workloads,
        volsync: workloads,
        arcController: workloads,
        kubeStateMetrics: workloads,
        nodeExporter: workloads,
      })
      .strict(),
  })
  .strict();

export type Facts = z.infer<typeof factsSchema>;

/** Every key optional, at every depth of an object; arrays and values are replaced whole. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What `clusters.<name>.facts` may hold in platform.config.ts: a deep-partial of the facts. */
export type FactsOverrides = DeepPartial<Facts>;

/** `schema` with every object key optional at every depth; objects stay strict (unknown keys are errors). */
function deepPartial(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, v]) => [k, deepPartial(v).optional()]),
  );
  return z.strictObject(shape);
}

/**
 * The overrides of a cluster's facts, validated when the config file is loaded: a misspelt key is
 * an error naming it (`…facts.cilium: unknown key(s) "namspace"`), a wrong value one naming its path.
 */
export const factsOverridesSchema = deepPartial(factsSchema) as z.ZodType<FactsOverrides, FactsOverrides>;
