/**
 * Local ports of the lab services: all on 127.0.0.1, in 31000-31099 by default (the lab's
 * services range is 30000-31999; the control planes use 1xxxx/2xxxx). Set
 * PV_LAB_SERVICES_PORT_BASE to move the whole block (e.g. two labs on one machine).
 */
const DEFAULT_BASE = 31_000;

function base(): number {
  const raw = process.env.PV_LAB_SERVICES_PORT_BASE;
  if (raw === undefined || raw === '') return DEFAULT_BASE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 30_000 || n > 31_900) {
    throw new Error(
      `PV_LAB_SERVICES_PORT_BASE=${raw}: expected an integer in 30000-31900 (default ${DEFAULT_BASE})`,
    );
  }
  return n;
}

/** offsets from the base; one block per service family */
export function servicePorts() {
  const b = base();
  return {
    postgres: [b + 10, b + 11, b + 12] as const, // shared-postgres-1 (primary), -2, -3 (standbys)
    pgbouncer: { gitlab: b + 20, harbor: b + 21, keycloak: b + 22, synergyflow: b + 23 },
    redis: [b + 30, b + 31, b + 32] as const, // dragonfly-0 (primary), -1, -2 (replicas)
    kafkaClient: [b + 40, b + 41, b + 42] as const, // advertised as the pod names :9092
    kafkaReplication: [b + 43, b + 44, b + 45] as const, // inter-broker, advertised 127.0.0.1
    kafkaController: b + 46, // KRaft controller quorum (node 0)
    schemaRegistry: b + 50,
    registry: b + 60, // docker-registry (distribution)
    harborCore: b + 61,
    coredns: {
      infra: { dns: b + 70, health: b + 71, ready: b + 72 },
      apps: { dns: b + 73, health: b + 74, ready: b + 75 },
    },
    victoriaMetrics: b + 80, // infra observability/vmselect :8481 (single-node, -http.pathPrefix=/select/0)
    victoriaLogs: b + 81, // infra observability/vlselect :9471
    telemetryAgent: b + 82, // dragonfly_* exporter (scraped by VictoriaMetrics)
    vmalert: b + 83, // infra observability/vmalert: evaluates the rules against VictoriaMetrics
    gateway: { infra: b + 85, apps: b + 86 }, // nginx standing in for Cilium's Envoy, per Gateway
    gatewayBackend: b + 87, // the HTTP backend behind both Gateways (an nginx server block)
    // the real Flux controllers per cluster: source-controller's artifact server and health, kustomize-controller's health
    flux: {
      infra: { storage: b + 90, sourceHealth: b + 91, kustomizeHealth: b + 92 },
      apps: { storage: b + 93, sourceHealth: b + 94, kustomizeHealth: b + 95 },
    },
    // cert-manager's real controller per cluster: its metrics endpoint (the readiness probe)
    certManagerMetrics: { infra: b + 96, apps: b + 97 },
  };
}

export type ServicePorts = ReturnType<typeof servicePorts>;
