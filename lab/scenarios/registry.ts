/** Every scenario the lab knows, by name (`healthy` first). */
import type { Faults } from '../sim/faults.js';
import { arcScaleSetUnregistered } from './arc-scale-set-unregistered.js';
import { bgpAuthSecretMissing } from './bgp-auth-secret-missing.js';
import { cephHealthWarn } from './ceph-health-warn.js';
import { cephToolboxDown } from './ceph-toolbox-down.js';
import { certManagerRestarted } from './cert-manager-restarted.js';
import { ciliumAgentRestarted } from './cilium-agent-restarted.js';
import { ciliumIpamReallocated } from './cilium-ipam-reallocated.js';
import { ciliumHealthUnreachable } from './cilium-health-unreachable.js';
import { corednsDown } from './coredns-down.js';
import { dragonflyAuthWrong } from './dragonfly-auth-wrong.js';
import { dragonflyMetricsUnlabelled } from './dragonfly-metrics-unlabelled.js';
import { dragonflyReplicaDown } from './dragonfly-replica-down.js';
import { fluxBrokenManifest } from './flux-broken-manifest.js';
import { gatewayDown } from './gateway-down.js';
import { harborInternalDatabase } from './harbor-internal-database.js';
import { harborInternalRedis } from './harbor-internal-redis.js';
import { healthy } from './healthy.js';
import { kafkaBrokerDown } from './kafka-broker-down.js';
import { kustomizationNotReady } from './kustomization-not-ready.js';
import { operatorsScaledDown } from './operators-scaled-down.js';
import { clustermeshApiserverDown } from './clustermesh-apiserver-down.js';
import { crdSecondOwner } from './crd-second-owner.js';
import { helmCliLeftover } from './helm-cli-leftover.js';
import { snapshotControllerDown } from './snapshot-controller-down.js';
import { policyEnforcementOff } from './policy-enforcement-off.js';
import { inventoryObjectDeleted } from './inventory-object-deleted.js';
import { fluxControllerDown } from './flux-controller-down.js';
import { pgStandbyDown } from './pg-standby-down.js';
import { platformResourcesFailing } from './platform-resources-failing.js';
import { poolerDown } from './pooler-down.js';
import { prometheusRuleNotLoaded } from './prometheusrule-not-loaded.js';
import { registryAuthBroken } from './registry-auth-broken.js';
import { reloaderDown } from './reloader-down.js';
import { schemaRegistryWrongTopic } from './schema-registry-wrong-topic.js';
import { spegelHostportConflict } from './spegel-hostport-conflict.js';
import type { Scenario } from './types.js';
import { wireguardError } from './wireguard-error.js';
import { wrongClusterIdentity } from './wrong-cluster-identity.js';

export const SCENARIOS: readonly Scenario[] = [
  healthy,
  cephHealthWarn,
  poolerDown,
  pgStandbyDown,
  dragonflyAuthWrong,
  kafkaBrokerDown,
  kustomizationNotReady,
  ciliumAgentRestarted,
  certManagerRestarted,
  ciliumHealthUnreachable,
  wireguardError,
  corednsDown,
  registryAuthBroken,
  gatewayDown,
  wrongClusterIdentity,
  operatorsScaledDown,
  platformResourcesFailing,
  dragonflyReplicaDown,
  fluxBrokenManifest,
  prometheusRuleNotLoaded,
  harborInternalDatabase,
  harborInternalRedis,
  reloaderDown,
  dragonflyMetricsUnlabelled,
  spegelHostportConflict,
  arcScaleSetUnregistered,
  bgpAuthSecretMissing,
  cephToolboxDown,
  schemaRegistryWrongTopic,
  ciliumIpamReallocated,
  clustermeshApiserverDown,
  helmCliLeftover,
  crdSecondOwner,
  snapshotControllerDown,
  policyEnforcementOff,
  inventoryObjectDeleted,
  fluxControllerDown,
];

export const scenarioNames: string[] = SCENARIOS.map((s) => s.name);

export function getScenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario '${name}'; known scenarios: ${scenarioNames.join(', ')}`);
  return s;
}

/** The simulated-world faults of a scenario (unknown names are an error listing the known ones). */
export function scenarioFaults(name: string): Faults {
  return getScenario(name).faults;
}
