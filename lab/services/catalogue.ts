/**
 * What each real lab service backs in the simulated clusters: cluster, namespace, workload, pod
 * names / labels, container port, the local 127.0.0.1 port that serves it, and the Secret that
 * holds its credentials. Names follow the reference platform (STORY-VALIDATE-NETWORKING T7-T12).
 *
 * lab/sim creates the Kubernetes objects (CRs, workloads, pods, Services, Secrets) from this;
 * lab/services runs the processes and routes the pods' ports/logs/exec to them.
 */
import type { LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';

export type ServiceKind =
  'postgres' | 'pgbouncer' | 'redis' | 'kafka' | 'schema-registry' | 'registry' | 'harbor-core' | 'coredns';

export interface SecretRef {
  namespace: string;
  name: string;
  type: 'Opaque' | 'kubernetes.io/basic-auth';
  /** keys present in the Secret (values come from serviceSecrets()) */
  keys: string[];
}

export interface ServiceEntry {
  /** service name used by startService/stopService, e.g. 'pgbouncer-harbor' */
  name: string;
  kind: ServiceKind;
  cluster: LabClusterName;
  namespace: string;
  /** the object that owns the pods in the real platform */
  owner: { apiVersion: string; kind: string; name: string };
  /** the workload lab/sim should create for the pods */
  workload: { kind: 'StatefulSet' | 'Deployment'; name: string; replicas: number };
  /**
   * Pod names this process backs, when they are fixed (StatefulSet / operator-named pods).
   * Omitted for Deployment pods (random names): those are found by `selector`.
   */
  pods?: string[];
  /** labels that select the pods this process backs (a subset of their labels) */
  selector: Record<string, string>;
  /** extra labels per pod (e.g. primary/replica role), keyed by pod name */
  podLabels?: Record<string, Record<string, string>>;
  container: string;
  containerPort: number;
  portName: string;
  /** Services in front of the pods (port -> targetPort containerPort) */
  services: { name: string; port: number; headless?: boolean }[];
  /** where the real process listens */
  localPort: number;
  secret?: SecretRef;
  /** what runs: 'real' (the upstream server) or 'lab simulation' (documented in README) */
  implementation: string;
}

const PG_NS = 'cnpg-system';
const POOLER_APPS = ['gitlab', 'harbor', 'keycloak', 'synergyflow'] as const;
export type PoolerApp = (typeof POOLER_APPS)[number];
export const poolerApps: readonly PoolerApp[] = POOLER_APPS;
/** the pg_monitor role of cnpg-system/platform-validation-pg-monitor (facts.cnpg.monitorSecret) */
export const MONITOR_USER = 'platform_validation';

/** Database and role per pooler app (gitlab's database name is from the reference's psql test). */
export const appDatabases: Record<PoolerApp, { user: string; database: string }> = {
  gitlab: { user: 'gitlab', database: 'gitlabhq_production' },
  harbor: { user: 'harbor', database: 'registry' },
  keycloak: { user: 'keycloak', database: 'keycloak' },
  synergyflow: { user: 'synergyflow', database: 'synergyflow' },
};

export const KAFKA = {
  namespace: 'messaging',
  cluster: 'kafka-cluster',
  pool: 'kafka',
  /** Strimzi's internal listener port, advertised as <pod>.<cluster>-kafka-brokers.<ns>.svc:9092 */
  port: 9092,
  brokers: 3,
} as const;

export function kafkaBrokerPod(n: number): string {
  return `${KAFKA.cluster}-${KAFKA.pool}-${n}`;
}

/** The host:port a broker advertises (Strimzi's form); not resolvable on the host: tunnel it. */
export function kafkaAdvertisedHost(n: number): string {
  return `${kafkaBrokerPod(n)}.${KAFKA.cluster}-kafka-brokers.${KAFKA.namespace}.svc`;
}

function build(): ServiceEntry[] {
  const p = servicePorts();
  const out: ServiceEntry[] = [];

  const pgSecret: SecretRef = {
    namespace: PG_NS,
    name: 'shared-postgres-superuser',
    type: 'kubernetes.io/basic-auth',
    keys: cnpgKeys,
  };
  [1, 2, 3].forEach((i) => {
    const pod = `shared-postgres-${i}`;
    out.push({
      name: pod,
      kind: 'postgres',
      cluster: 'apps',
      namespace: PG_NS,
      owner: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: 'shared-postgres' },
      workload: { kind: 'StatefulSet', name: 'shared-postgres', replicas: 3 },
      pods: [pod],
      selector: { 'cnpg.io/cluster': 'shared-postgres', 'cnpg.io/instanceName': pod },
      podLabels: {
        [pod]: {
          'cnpg.io/podRole': 'instance',
          'cnpg.io/instanceRole': i === 1 ? 'primary' : 'replica',
          role: i === 1 ? 'primary' : 'replica',
        },
      },
      container: 'postgres',
      containerPort: 5432,
      portName: 'postgresql',
      services:
        i === 1
          ? [
              { name: 'shared-postgres-rw', port: 5432 },
              { name: 'shared-postgres-r', port: 5432 },
            ]
          : [
              { name: 'shared-postgres-ro', port: 5432 },
              { name: 'shared-postgres-r', port: 5432 },
            ],
      localPort: p.postgres[i - 1]!,
      secret: pgSecret,
      implementation:
        i === 1
          ? 'real: PostgreSQL 15 (Debian) primary'
          : 'real: PostgreSQL 15 hot standby streaming from shared-postgres-1 (synchronous_standby_names FIRST 1)',
    });
  });

  for (const app of POOLER_APPS) {
    const pooler = `${app}-pooler-rw`;
    out.push({
      name: `pgbouncer-${app}`,
      kind: 'pgbouncer',
      cluster: 'apps',
      namespace: PG_NS,
      owner: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', name: pooler },
      workload: { kind: 'Deployment', name: pooler, replicas: 1 },
      selector: { 'cnpg.io/poolerName': pooler },
      container: 'pgbouncer',
      containerPort: 5432,
      portName: 'pgbouncer',
      services: [{ name: pooler, port: 5432 }],
      localPort: p.pgbouncer[app],
      secret: {
        namespace: PG_NS,
        name: `${app}-db-credentials`,
        type: 'kubernetes.io/basic-auth',
        keys: cnpgKeys,
      },
      implementation: 'real: PgBouncer (Debian) in front of shared-postgres-1',
    });
  }

  [0, 1, 2].forEach((i) => {
    const pod = `dragonfly-${i}`;
    out.push({
      name: pod,
      kind: 'redis',
      cluster: 'apps',
      namespace: 'dragonfly-system',
      owner: { apiVersion: 'dragonflydb.io/v1alpha1', kind: 'Dragonfly', name: 'dragonfly' },
      workload: { kind: 'StatefulSet', name: 'dragonfly', replicas: 3 },
      pods: [pod],
      // dragonfly-operator v1.3.0 resources.go: the pod template labels (also the StatefulSet's and the PDB's selector)
      selector: {
        app: 'dragonfly',
        'app.kubernetes.io/name': 'dragonfly',
        'app.kubernetes.io/part-of': 'dragonfly',
        'statefulset.kubernetes.io/pod-name': pod,
      },
      podLabels: { [pod]: { role: i === 0 ? 'master' : 'replica' } },
      container: 'dragonfly',
      containerPort: 6379,
      portName: 'redis',
      // as the operator: the client Service selects role=master only (a replica answers writes READONLY)
      services: i === 0 ? [{ name: 'dragonfly', port: 6379 }] : [],
      localPort: p.redis[i]!,
      secret: { namespace: 'dragonfly-system', name: 'dragonfly-auth', type: 'Opaque', keys: ['password'] },
      implementation: `real: Redis 7 (Debian; Dragonfly speaks the Redis protocol), ${i === 0 ? 'primary' : 'replicaof dragonfly-0'}`,
    });
  });

  for (let i = 0; i < KAFKA.brokers; i++) {
    const pod = kafkaBrokerPod(i);
    out.push({
      name: `kafka-${i}`,
      kind: 'kafka',
      cluster: 'apps',
      namespace: KAFKA.namespace,
      owner: { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', name: KAFKA.cluster },
      workload: { kind: 'StatefulSet', name: `${KAFKA.cluster}-${KAFKA.pool}`, replicas: KAFKA.brokers },
      pods: [pod],
      selector: { 'strimzi.io/cluster': KAFKA.cluster, 'strimzi.io/pod-name': pod },
      podLabels: {
        [pod]: {
          'strimzi.io/kind': 'Kafka',
          'strimzi.io/name': `${KAFKA.cluster}-kafka`,
          'strimzi.io/pool-name': KAFKA.pool,
          'strimzi.io/broker-role': 'true',
          'strimzi.io/controller-role': i === 0 ? 'true' : 'false',
        },
      },
      container: 'kafka',
      containerPort: KAFKA.port,
      portName: 'tcp-clients',
      services: [
        { name: `${KAFKA.cluster}-kafka-bootstrap`, port: KAFKA.port },
        { name: `${KAFKA.cluster}-kafka-brokers`, port: KAFKA.port, headless: true },
      ],
      localPort: p.kafkaClient[i]!,
      implementation: `real: Apache Kafka (KRaft, Maven Central jars) node ${i}${i === 0 ? ' (broker+controller)' : ' (broker)'}; advertises ${kafkaAdvertisedHost(i)}:${KAFKA.port}`,
    });
  }

  out.push({
    name: 'schema-registry',
    kind: 'schema-registry',
    cluster: 'apps',
    namespace: 'messaging',
    owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'schema-registry' },
    workload: { kind: 'Deployment', name: 'schema-registry', replicas: 2 },
    selector: { app: 'schema-registry' },
    container: 'schema-registry',
    containerPort: 8081,
    portName: 'http',
    services: [{ name: 'schema-registry', port: 8081 }],
    localPort: p.schemaRegistry,
    implementation:
      'lab simulation: Confluent Schema Registry REST API (lab/services/schema-registry), compatibility decided by Apache Avro SchemaCompatibility',
  });

  const harborSecret: SecretRef = {
    namespace: 'harbor',
    name: 'harbor-admin',
    type: 'kubernetes.io/basic-auth',
    keys: ['username', 'password'],
  };
  out.push({
    name: 'harbor-registry',
    kind: 'registry',
    cluster: 'apps',
    namespace: 'harbor',
    owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'harbor-registry' },
    workload: { kind: 'Deployment', name: 'harbor-registry', replicas: 1 },
    selector: { app: 'harbor', component: 'registry' },
    container: 'registry',
    containerPort: 5000,
    portName: 'http-registry',
    services: [{ name: 'harbor-registry', port: 5000 }],
    localPort: p.registry,
    secret: harborSecret,
    implementation:
      'real: Docker Distribution registry 2.8 (Debian docker-registry), htpasswd (bcrypt) auth, delete enabled',
  });
  out.push({
    name: 'harbor-core',
    kind: 'harbor-core',
    cluster: 'apps',
    namespace: 'harbor',
    owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'harbor-core' },
    workload: { kind: 'Deployment', name: 'harbor-core', replicas: 1 },
    selector: { app: 'harbor', component: 'core' },
    container: 'core',
    containerPort: 8080,
    portName: 'http-web',
    services: [{ name: 'harbor-core', port: 80 }],
    localPort: p.harborCore,
    secret: harborSecret,
    implementation:
      'lab simulation of harbor-core: /api/v2.0/health from real probes (registry, harbor pooler, dragonfly), /v2/ proxied to the real registry',
  });

  for (const cluster of ['infra', 'apps'] as const) {
    out.push({
      name: `coredns-${cluster}`,
      kind: 'coredns',
      cluster,
      namespace: 'kube-system',
      owner: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'coredns' },
      workload: { kind: 'Deployment', name: 'coredns', replicas: 2 },
      selector: { 'k8s-app': 'kube-dns' },
      container: 'coredns',
      containerPort: 53,
      portName: 'dns-tcp',
      services: [{ name: 'kube-dns', port: 53 }],
      localPort: p.coredns[cluster].dns,
      implementation:
        'real: CoreDNS (built from the Go module proxy) with the kubernetes plugin reading this lab apiserver',
    });
  }
  return out;
}

/** keys of a CloudNativePG-generated credentials Secret (pkg/specs/secrets.go) */
export const cnpgKeys = [
  'username',
  'user',
  'password',
  'dbname',
  'host',
  'hostname',
  'port',
  'pgpass',
  'uri',
  'jdbc-uri',
  'fqdn-uri',
  'fqdn-jdbc-uri',
];

/** Built on first use so PV_LAB_SERVICES_PORT_BASE is read at run time. */
export function serviceCatalogue(): ServiceEntry[] {
  return build();
}

export function catalogueEntry(name: string): ServiceEntry {
  const e = build().find((s) => s.name === name);
  if (!e) {
    throw new Error(
      `unknown lab service '${name}'; known: ${build()
        .map((s) => s.name)
        .join(', ')}`,
    );
  }
  return e;
}
