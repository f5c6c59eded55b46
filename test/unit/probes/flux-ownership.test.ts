// GITOPS-OWN-001 (helpers/probes/flux-ownership.ts): which workloads the ownership check may leave
// out. Only the framework's own run namespaces are skipped; a namespace that merely carries the
// owned label is not one, or any Helm CLI leftover could hide behind one label (a false green).
import { describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import type { Facts } from '../../../helpers/config/index.js';
import { workloadOwnership } from '../../../helpers/probes/flux-ownership.js';
import {
  LABEL_OWNED,
  LABEL_RUN_ID,
  LABEL_SHARD,
  newRunId,
  runNamespaceName,
} from '../../../helpers/run/ids.js';
import { fakeEvidence } from './fake-run.js';

const runId = newRunId();
const namespaces = [
  // the framework's own: prefix, both labels, the name its run id gives
  {
    name: runNamespaceName(runId, undefined),
    labels: { [LABEL_OWNED]: 'true', [LABEL_RUN_ID]: runId, [LABEL_SHARD]: '' },
  },
  // look-alikes: the owned label alone, or a name that is not the run id's
  { name: 'team-b', labels: { [LABEL_OWNED]: 'true' } },
  { name: 'pv-run-team-b', labels: { [LABEL_OWNED]: 'true', [LABEL_RUN_ID]: runId } },
];
const helmCli = (namespace: string) => ({
  metadata: {
    namespace,
    name: 'leftover',
    labels: { 'app.kubernetes.io/managed-by': 'Helm' },
    annotations: { 'meta.helm.sh/release-name': 'leftover' },
  },
});

const cluster = {
  core: {
    // the label selector is the server's job: every namespace here carries the owned label
    listNamespace: async () => ({ items: namespaces.map((n) => ({ metadata: n })) }),
  },
  apps: {
    listDeploymentForAllNamespaces: async () => ({ items: namespaces.map((n) => helmCli(n.name)) }),
    listDaemonSetForAllNamespaces: async () => ({ items: [] }),
    listStatefulSetForAllNamespaces: async () => ({ items: [] }),
  },
} as unknown as ClusterHandle;

const facts = { flux: { unmanagedAllowed: [] } } as unknown as Facts;

describe('GITOPS-OWN-001 workload ownership', () => {
  it('GITOPS-OWN-001 fails on an unmanaged workload in a namespace that only looks run-owned', async () => {
    const rows = await workloadOwnership(cluster, facts, fakeEvidence().evidence);
    expect(rows.map((r) => r.workload)).toEqual([
      'Deployment team-b/leftover',
      'Deployment pv-run-team-b/leftover',
    ]);
    for (const r of rows) expect(r.problem).toMatch(/Helm/);
  });
});
