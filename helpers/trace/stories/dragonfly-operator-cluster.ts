// STORY-DB-DRAGONFLY-OPERATOR-CLUSTER: reference 001: risk profile (its "Testing:" items); the story has no AC list in the reference.
// Item ids follow the reference's order (the coverage audit's numbering); scope is the clusters the
// reference names for the item. Generated once from the reference, then kept by hand.
import { items, risks, type StoryInfo } from '../types.js';

export const DRAGONFLY_OPERATOR_CLUSTER: StoryInfo = {
  id: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
  alias: 'DRAGONFLY',
  title: 'DragonflyDB Operator & Shared Cluster',
  source: 'reference 001: risk profile (its "Testing:" items); the story has no AC list in the reference',
  items: items([
    ['SEC-001.deny', 'P1', 'any', 'disallowed namespace: nc to 6379 fails'],
    ['SEC-001.allow', 'P1', 'any', 'allowed namespace: connection succeeds'],
    ['SEC-001.fix', 'P1', 'any', 'policy admits only gitlab-system, harbor, selected apps, observability'],
    ['OPS-001.pdb', 'P1', 'any', 'PDB minAvailable 2'],
    ['OPS-001.drain', 'P1', 'any', 'simulated drain (non-prod)'],
    ['TECH-001', 'P2', 'any', 'pods on distinct nodes'],
    ['OPS-002.cond', 'P2', 'any', 'ExternalSecret .status.conditions'],
    ['OPS-002.neg', 'P2', 'any', 'negative test with bad path (non-prod)'],
    ['OPS-002.alert', 'P2', 'any', 'alert on ESO condition errors'],
    ['PERF-001', 'P2', 'any', 'synthetic GET/SET p95 from apps cluster'],
    ['PERF-001.alert', 'P2', 'any', 'alert on p95 above target'],
    ['TECH-002', 'P2', 'any', 'smoke + failover after upgrade; version alignment'],
    ['MON-001.series', 'P3', 'any', 'PromQL dragonfly_* non-empty'],
    ['MON-001.alert', 'P3', 'any', 'alert sample fires'],
    ['MON-001.SM', 'P3', 'any', 'ServiceMonitor selects the pods'],
    ['SEC-002', 'P3', 'any', 'no TLS on Redis (policy-level)', 'n/a'],
  ]),
  risks: risks([
    ['SEC-001', 'high', 'No NetworkPolicy limits Dragonfly access', 6],
    ['OPS-001', 'high', 'No PDB for Dragonfly data plane (quorum loss on disruption)', 6],
    ['TECH-001', 'medium', 'No anti-affinity/topology spread (co-scheduling)', 4],
    ['OPS-002', 'medium', 'ExternalSecret path/key mismatch blocks auth', 4],
    ['PERF-001', 'medium', 'Cross-cluster latency via Global Service for GitLab/clients', 4],
    ['TECH-002', 'medium', 'Operator/CR/image version alignment not validated after bump', 4],
    ['MON-001', 'low', 'Metrics wiring label mismatch (ServiceMonitor vs labels)', 2],
    ['SEC-002', 'low', 'No TLS on Redis protocol (relies on network boundaries)', 2],
  ]),
};
