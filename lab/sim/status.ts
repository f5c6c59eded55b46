/**
 * Simulated operators: the status each real controller writes for the objects of one cluster,
 * given the active faults. Fixture objects that carry a `status:` keep it (already written the way
 * the operator would); everything below is generated: Flux (source/kustomize/helm-controller),
 * External Secrets, Rook (CephCluster), CloudNative-PG, Dragonfly and Strimzi.
 */
import { createHash } from 'node:crypto';
import type { LabClusterName } from '../core/topology.js';
import { cephClusterStatus, cephModel } from './ceph.js';
import type { Faults } from './faults.js';
import type { K8sObject } from './fixtures.js';
import { GIT_REVISION } from './values.js';
import { CRDS } from './crds.js';
import { CRDS_KUSTOMIZATION, FLUX_NAMESPACE } from './ownership.js';

type Status = Record<string, unknown>;
type Cond = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
};

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function ociTag(objects: K8sObject[], ns: string, name: string): string | undefined {
  const repo = objects.find(
    (o) => o.kind === 'OCIRepository' && o.metadata.name === name && (o.metadata.namespace ?? '') === ns,
  );
  return (repo?.spec?.ref as { tag?: string } | undefined)?.tag;
}

function helmRelease(o: K8sObject, objects: K8sObject[]): Status {
  const spec = o.spec ?? {};
  const ns = o.metadata.namespace ?? 'default';
  const release = (spec.releaseName as string | undefined) ?? o.metadata.name;
  const targetNs = (spec.targetNamespace as string | undefined) ?? ns;
  const ref = spec.chartRef as { name: string; namespace?: string } | undefined;
  const chartSpec = (spec.chart as { spec?: { chart: string; version?: string } } | undefined)?.spec;
  const chartName = chartSpec?.chart ?? ref?.name ?? o.metadata.name;
  const version =
    chartSpec?.version ?? (ref ? ociTag(objects, ref.namespace ?? ns, ref.name) : undefined) ?? '0.0.0';
  const digest = `sha256:${sha(JSON.stringify(spec.values ?? {}))}`;
  const msg = `Helm install succeeded for release ${targetNs}/${release}.v1 with chart ${chartName}@${version.replace(/^v/, '')}`;
  return {
    observedGeneration: 0,
    lastAttemptedGeneration: 0,
    lastAttemptedRevision: version.replace(/^v/, ''),
    lastAttemptedConfigDigest: digest,
    lastAttemptedReleaseAction: 'install',
    storageNamespace: targetNs,
    history: [
      {
        name: release,
        namespace: targetNs,
        version: 1,
        status: 'deployed',
        chartName,
        chartVersion: version.replace(/^v/, ''),
        appVersion: version.replace(/^v/, ''),
        // required by helm-controller's Snapshot (status.history[])
        firstDeployed: '${NOW_MINUS_1H}',
        lastDeployed: '${NOW_MINUS_1H}',
        configDigest: digest,
        digest: `sha256:${sha(release + version)}`,
      },
    ],
    conditions: [
      { type: 'Ready', status: 'True', reason: 'InstallSucceeded', message: msg, observedGeneration: 0 },
      { type: 'Released', status: 'True', reason: 'InstallSucceeded', message: msg, observedGeneration: 0 },
    ],
  };
}

/**
 * What kustomize-controller records of its last apply (`status.inventory`, internal/inventory:
 * one entry per applied object, id `<namespace>_<name>_<group>_<Kind>` as cli-utils' ObjMetadata
 * writes it, `:` in RBAC names as `__`; `v` the version alone): here, every seeded object labelled
 * with this Kustomization.
 */
function inventory(o: K8sObject, objects: readonly K8sObject[]): { entries: { id: string; v: string }[] } {
  // Phase 0's Kustomization applies the CRDs (lab/sim/kube.ts applyCrds), which are no fixtures
  const crds: K8sObject[] =
    o.metadata.name === CRDS_KUSTOMIZATION && o.metadata.namespace === FLUX_NAMESPACE
      ? CRDS.map((d) => ({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `${d.plural}.${d.group}`, labels: kustomizedBy(o) },
        }))
      : [];
  const mine = [...objects, ...crds].filter(
    (x) =>
      x.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'] === o.metadata.name &&
      x.metadata.labels?.['kustomize.toolkit.fluxcd.io/namespace'] === o.metadata.namespace,
  );
  const entries = mine.map((x) => {
    const slash = x.apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : x.apiVersion.slice(0, slash);
    const rbac = group === 'rbac.authorization.k8s.io';
    const name = rbac ? x.metadata.name.replaceAll(':', '__') : x.metadata.name;
    return {
      id: `${x.metadata.namespace ?? ''}_${name}_${group}_${x.kind}`,
      v: x.apiVersion.slice(slash + 1),
    };
  });
  return { entries: entries.sort((a, b) => a.id.localeCompare(b.id)) };
}

const kustomizedBy = (o: K8sObject) => ({
  'kustomize.toolkit.fluxcd.io/name': o.metadata.name,
  'kustomize.toolkit.fluxcd.io/namespace': o.metadata.namespace ?? '',
});

function kustomization(
  o: K8sObject,
  cluster: LabClusterName,
  faults: Faults,
  rev: string,
  objects: readonly K8sObject[],
): Status {
  const failing = faults.kustomizationsNotReady?.[cluster]?.includes(o.metadata.name) ?? false;
  const waits = Boolean(o.spec?.wait) || Array.isArray(o.spec?.healthChecks);
  const conditions: Cond[] = failing
    ? [
        {
          type: 'Ready',
          status: 'False',
          reason: 'HealthCheckFailed',
          message: `health check failed after 10m0s: timeout waiting for: [HelmRelease/gitlab/gitlab status: 'InProgress']`,
          observedGeneration: 0,
        },
        {
          type: 'Healthy',
          status: 'False',
          reason: 'HealthCheckFailed',
          message: `HelmRelease/gitlab/gitlab status: 'InProgress'`,
          observedGeneration: 0,
        },
      ]
    : [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: `Applied revision: ${rev}`,
          observedGeneration: 0,
        },
        ...(waits
          ? [
              {
                type: 'Healthy',
                status: 'True' as const,
                reason: 'Succeeded',
                message: 'Health check passed in 1.04s',
                observedGeneration: 0,
              },
            ]
          : []),
      ];
  return {
    observedGeneration: 0,
    lastAttemptedRevision: rev,
    lastAppliedRevision: rev,
    conditions,
    // written before the health checks run: a Kustomization whose health check fails has one too
    inventory: inventory(o, objects),
  };
}

function artifact(o: K8sObject, revision: string, digestSeed: string): Status {
  const ns = o.metadata.namespace ?? 'default';
  const kind = o.kind.toLowerCase();
  const d = sha(digestSeed);
  return {
    digest: `sha256:${d}`,
    lastUpdateTime: '${NOW}',
    path: `${kind}/${ns}/${o.metadata.name}/${d.slice(0, 40)}.tar.gz`,
    revision,
    size: 48_213 + (parseInt(d.slice(0, 4), 16) % 10_000),
    url: `http://source-controller.flux-system.svc.cluster.local./${kind}/${ns}/${o.metadata.name}/${d.slice(0, 40)}.tar.gz`,
  };
}

function source(o: K8sObject, rev: string): Status {
  let revision: string;
  let msg: string;
  if (o.kind === 'GitRepository') {
    revision = rev;
    msg = `stored artifact for revision '${revision}'`;
  } else if (o.kind === 'OCIRepository') {
    const tag = (o.spec?.ref as { tag?: string } | undefined)?.tag ?? 'latest';
    revision = `${tag}@sha256:${sha(String(o.spec?.url) + tag)}`;
    msg = `stored artifact for digest '${revision}'`;
  } else {
    revision = `sha256:${sha(String(o.spec?.url))}`;
    msg = `stored artifact: revision '${revision}'`;
  }
  return {
    observedGeneration: 0,
    url:
      o.kind === 'HelmRepository'
        ? `http://source-controller.flux-system.svc.cluster.local./helmrepository/${o.metadata.namespace}/${o.metadata.name}/index.yaml`
        : undefined,
    artifact: artifact(o, revision, revision + o.metadata.name),
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: msg, observedGeneration: 0 },
      { type: 'ArtifactInStorage', status: 'True', reason: 'Succeeded', message: msg, observedGeneration: 0 },
    ],
  };
}

function externalSecret(o: K8sObject): Status {
  const target = (o.spec?.target as { name?: string } | undefined)?.name ?? o.metadata.name;
  return {
    refreshTime: '${NOW}',
    syncedResourceVersion: `1-${sha(key(o)).slice(0, 32)}`,
    binding: { name: target },
    conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced' }],
  };
}

function cnpgCluster(o: K8sObject): Status {
  const n = Number(o.spec?.instances ?? 3);
  const name = o.metadata.name;
  const instances = Array.from({ length: n }, (_, i) => `${name}-${i + 1}`);
  const roles = ((o.spec?.managed as { roles?: { name: string }[] } | undefined)?.roles ?? []).map(
    (r) => r.name,
  );
  return {
    instances: n,
    readyInstances: n,
    instanceNames: instances,
    instancesStatus: { healthy: instances },
    instancesReportedState: Object.fromEntries(
      instances.map((p, i) => [p, { isPrimary: i === 0, timeLineID: 1, ip: '' }]),
    ),
    currentPrimary: instances[0],
    currentPrimaryTimestamp: '${NOW_MINUS_1H}',
    targetPrimary: instances[0],
    targetPrimaryTimestamp: '${NOW_MINUS_1H}',
    latestGeneratedNode: n,
    phase: 'Cluster in healthy state',
    timelineID: 1,
    writeService: `${name}-rw`,
    readService: `${name}-r`,
    cloudNativePGCommitHash: '5b8d8a3f',
    cloudNativePGOperatorHash: sha('cnpg-1.27.1').slice(0, 64),
    firstRecoverabilityPoint: '${NOW_MINUS_1H}',
    lastSuccessfulBackup: '${NOW_MINUS_1H}',
    managedRolesStatus: { byStatus: { reconciled: roles, reserved: ['postgres', 'streaming_replica'] } },
    poolerIntegrations: { pgBouncerIntegration: { secrets: [`${name}-pooler`] } },
    topology: {
      instances: Object.fromEntries(instances.map((p) => [p, {}])),
      nodesUsed: n,
      successfullyExtracted: true,
    },
    conditions: [
      { type: 'Ready', status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready' },
      {
        type: 'ContinuousArchiving',
        status: 'True',
        reason: 'ContinuousArchivingSuccess',
        message: 'Continuous archiving is working',
      },
      {
        type: 'LastBackupSucceeded',
        status: 'True',
        reason: 'LastBackupSucceeded',
        message: 'Backup was successful',
      },
    ],
  };
}

function pooler(o: K8sObject): Status {
  const cluster = (o.spec?.cluster as { name?: string } | undefined)?.name ?? 'shared-postgres';
  return {
    instances: Number(o.spec?.instances ?? 1),
    secrets: {
      clientCA: { name: `${cluster}-ca`, version: '1201' },
      serverCA: { name: `${cluster}-ca`, version: '1201' },
      serverTLS: { name: `${o.metadata.name}`, version: '1203' },
      pgBouncerSecrets: { authQuery: { name: `${cluster}-pooler`, version: '1198' } },
    },
  };
}

function kafka(o: K8sObject, faults: Faults): Status {
  const ns = o.metadata.namespace ?? 'messaging';
  const name = o.metadata.name;
  const down = faults.kafkaBrokersDown ?? [];
  const listeners = (
    (o.spec?.kafka as { listeners?: { name: string; port: number; tls?: boolean }[] } | undefined)
      ?.listeners ?? []
  ).map((l) => ({
    name: l.name,
    addresses: [{ host: `${name}-kafka-bootstrap.${ns}.svc`, port: l.port }],
    bootstrapServers: `${name}-kafka-bootstrap.${ns}.svc:${l.port}`,
  }));
  const conditions: Cond[] = down.length
    ? [
        {
          type: 'NotReady',
          status: 'True',
          reason: 'TimeoutException',
          message: `Exceeded timeout of 300000ms while waiting for Pods resource ${down.map((i) => `${name}-kafka-${i}`).join(', ')} in namespace ${ns} to be ready`,
        },
      ]
    : [{ type: 'Ready', status: 'True', reason: 'Ready', message: '' }];
  return {
    observedGeneration: 0,
    conditions,
    listeners,
    kafkaNodePools: [{ name: 'kafka' }],
    // Strimzi 1.x's v1 Kafka status has no kafkaMetadataState/registeredNodeIds (KRaft is the only mode)
    clusterId: 'pv-lab-kraft-cluster-0001',
    kafkaVersion: '4.1.0',
    kafkaMetadataVersion: '4.1-IV1',
    operatorLastSuccessfulVersion: '1.2.0',
  };
}

function strimziChild(o: K8sObject): Status {
  if (o.kind === 'KafkaNodePool') {
    const replicas = Number(o.spec?.replicas ?? 3);
    return {
      observedGeneration: 0,
      nodeIds: Array.from({ length: replicas }, (_, i) => i),
      replicas,
      roles: o.spec?.roles ?? ['broker'],
      clusterId: 'pv-lab-kraft-cluster-0001',
      labelSelector: `strimzi.io/cluster=kafka-cluster,strimzi.io/name=kafka-cluster-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=${o.metadata.name}`,
      conditions: [],
    };
  }
  if (o.kind === 'KafkaTopic') {
    return {
      observedGeneration: 0,
      topicName: (o.spec?.topicName as string | undefined) ?? o.metadata.name,
      topicId: sha(o.metadata.name).slice(0, 22),
      conditions: [{ type: 'Ready', status: 'True', reason: '', message: '' }].map((c) => ({
        ...c,
        reason: 'Ready',
      })),
    };
  }
  return {
    observedGeneration: 0,
    username: `CN=${o.metadata.name}`,
    secret: o.metadata.name,
    conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '' }],
  };
}

/**
 * Desired status of every object of the cluster that a simulated operator writes.
 * `${NOW}`-style placeholders in generated status are filled by the writer.
 */
export function desiredStatuses(
  cluster: LabClusterName,
  objects: K8sObject[],
  faults: Faults,
  opts: { gitRevision?: string } = {},
): Map<string, Status> {
  const out = new Map<string, Status>();
  for (const o of objects) {
    let s: Status | undefined;
    switch (o.kind) {
      case 'HelmRelease':
        s = helmRelease(o, objects);
        break;
      case 'Kustomization':
        if (o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io'))
          s = kustomization(o, cluster, faults, opts.gitRevision ?? GIT_REVISION, objects);
        break;
      case 'GitRepository':
      case 'OCIRepository':
      case 'HelmRepository':
        s = source(o, opts.gitRevision ?? GIT_REVISION);
        break;
      case 'ExternalSecret':
        s = externalSecret(o);
        break;
      case 'CephCluster':
        s = cephClusterStatus(cephModel(cluster, { osdsDown: faults.cephOsdsDown?.[cluster] ?? [] }));
        break;
      case 'Cluster':
        if (o.apiVersion.startsWith('postgresql.cnpg.io')) s = cnpgCluster(o);
        break;
      case 'Pooler':
        s = pooler(o);
        break;
      case 'Database':
        s = { observedGeneration: 0, applied: true };
        break;
      case 'Dragonfly':
        // operator v1.3.0 (the fixture's image) writes PhaseReady = "Ready" (internal/controller/util.go)
        s = { phase: 'Ready', isRollingUpdate: false };
        break;
      case 'Kafka':
        s = kafka(o, faults);
        break;
      case 'KafkaNodePool':
      case 'KafkaTopic':
      case 'KafkaUser':
        s = strimziChild(o);
        break;
    }
    if (o.status) s = o.status; // the fixture states it explicitly
    if (s)
      out.set(
        key(o),
        JSON.parse(JSON.stringify(s, (_k, v: unknown) => (v === undefined ? undefined : v))) as Status,
      );
  }
  return out;
}

export { key as objectKey };
