// RISKS-GITOPS-SYNC: reference 002: the risk items that apply to a Flux platform.
// Item ids follow the reference's order (the coverage audit's numbering); scope is the clusters the
// reference names for the item. Generated once from the reference, then kept by hand.
import { items, risks, type StoryInfo } from '../types.js';

export const GITOPS_SYNC_RISKS: StoryInfo = {
  id: 'RISKS-GITOPS-SYNC',
  alias: 'GITSYNC',
  title: 'Technical risks of a bidirectional GitOps sync tool',
  source: 'reference 002: the risk items that apply to a Flux platform',
  items: items([
    ['T001.live', 'P0', 'any', 'live (never cached) validation of Git access before trusting the source'],
    ['T001.health', 'P0', 'any', 'credential health monitoring / expiry alerting', 'external'],
    ['T001.degrade', 'P0', 'any', 'graceful degradation on auth failure', 'n/a'],
    ['T004.git-ctl', 'P1', 'any', 'Git head == controller state'],
    ['T004.ctl-cluster', 'P1', 'any', 'controller revision == applied state'],
    ['T004.drift', 'P1', 'any', 'Git vs cluster object-level drift'],
    ['T005', 'P2', 'any', 'sync latency threshold / alert on degradation'],
    ['T007', 'P2', 'any', 'YAML validity for kubectl / GitOps tools', 'pre-deployment'],
    [
      'T002.T003.T006.T008-T010',
      '',
      'any',
      'conflict resolution, git push, credential rotation, repo size, DB migration',
      'n/a',
    ],
  ]),
  risks: risks([
    ['RISK-T001', 'critical', 'Git authentication failure in production', 20],
    ['RISK-T002', 'high', 'Conflict resolution algorithm reliability', 16],
    ['RISK-T003', 'high', 'Git push operation failures', 16],
    ['RISK-T004', 'high', 'Data consistency across Git / DB / cluster states', 15],
    ['RISK-T005', 'medium', 'Performance degradation with scale', 9],
    ['RISK-T006', 'medium', 'Security vulnerability introduction', 8],
    ['RISK-T007', 'low', 'YAML format compatibility issues', 4],
    ['RISK-T008', 'low', 'Git repository size growth', 4],
    ['RISK-T009', 'low', 'External tool (ArgoCD/Flux) integration complexity', 6],
    ['RISK-T010', 'low', 'Database schema migration issues', 6],
  ]),
};
