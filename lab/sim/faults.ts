/**
 * The faults a scenario turns on. The simulated world (object status, toolbox output, pod
 * readiness) is a function of the fixtures and these faults; `healthy` is the empty set.
 */
import type { LabClusterName } from '../core/topology.js';

export interface Faults {
  /** Ceph OSD ids down per cluster (HEALTH_WARN) */
  cephOsdsDown?: Partial<Record<LabClusterName, number[]>>;
  /** pooler apps whose PgBouncer is stopped (their pooler pods CrashLoopBackOff) */
  poolersDown?: string[];
  /** Kafka node ids whose broker process is stopped */
  kafkaBrokersDown?: number[];
  /** Flux Kustomizations (per cluster, by name) that fail their health checks */
  kustomizationsNotReady?: Partial<Record<LabClusterName, string[]>>;
  /** clusters whose CoreDNS process is stopped (pods CrashLoopBackOff) */
  corednsDown?: LabClusterName[];
  /** Redis (Dragonfly) requires a password other than the one in its Secret */
  dragonflyAuthWrong?: boolean;
  /** the registry's htpasswd no longer accepts the credentials in harbor-admin */
  registryAuthBroken?: boolean;
  /** clusters whose cert-manager controller container was restarted (exit 137, Running again) */
  certManagerRestarted?: LabClusterName[];
  /** clusters whose agent pods were restarted (one recreated, one container restart) */
  ciliumAgentsRestarted?: LabClusterName[];
  /** nodes (per cluster) whose agent cannot reach its cilium-health daemon */
  ciliumHealthUnreachable?: Partial<Record<LabClusterName, string[]>>;
  /**
   * clusters whose clustermesh-apiserver is down (the scenario scales its Deployment to 0): every
   * other cluster's agents lose that remote
   */
  clustermeshApiserverDown?: LabClusterName[];
  /** nodes (per cluster) whose agent's WireGuard status call errors */
  wireguardError?: Partial<Record<LabClusterName, string[]>>;
  /**
   * custom resources (per cluster, as `Kind/namespace/name`) whose operator reports a failure: the
   * status it writes then is in lab/sim/failing.ts (e.g. an OCIRepository that cannot pull)
   */
  resourcesFailing?: Partial<Record<LabClusterName, string[]>>;
  /** cluster-settings CLUSTER override per cluster (the context answers as another cluster) */
  identity?: Partial<Record<LabClusterName, string>>;
}

export const NO_FAULTS: Faults = {};
