// EVID-HEALTH-001 (helpers/probes/health-evidence.ts): the inventory lists every kind of `kubectl get
// all -A`, and a kind that cannot be listed is named, never skipped.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import { inventory } from '../../../helpers/probes/health-evidence.js';

const empty = async () => ({ items: [] });
const forbidden = async () => {
  throw new Error('HTTP-Code: 403\nMessage: jobs.batch is forbidden');
};
const cluster = (jobs: () => Promise<unknown>) =>
  ({
    core: {
      listPodForAllNamespaces: async () => ({
        items: [
          {
            metadata: { namespace: 'kube-system', name: 'coredns-a' },
            spec: { nodeName: 'n1' },
            status: { phase: 'Running', containerStatuses: [{ restartCount: 2 }] },
          },
        ],
      }),
      listServiceForAllNamespaces: empty,
    },
    apps: {
      listDaemonSetForAllNamespaces: empty,
      listDeploymentForAllNamespaces: empty,
      listReplicaSetForAllNamespaces: empty,
      listStatefulSetForAllNamespaces: empty,
    },
    batch: { listJobForAllNamespaces: jobs, listCronJobForAllNamespaces: empty },
  }) as unknown as CheckContext['cluster'];

describe('EVID-HEALTH-001 kubectl get all -A inventory', () => {
  it('lists every kind with a line per object', async () => {
    const inv = await inventory(cluster(empty));
    expect(inv.failed).toEqual([]);
    expect(inv.text.split('\n').filter((l) => l.startsWith('# '))).toEqual([
      '# pod (1)',
      '# service (0)',
      '# daemonset (0)',
      '# deployment (0)',
      '# replicaset (0)',
      '# statefulset (0)',
      '# job (0)',
      '# cronjob (0)',
    ]);
    expect(inv.text).toContain('kube-system\tpod/coredns-a\tRunning node=n1 restarts=2');
  });
  it('names a kind it could not list, and still lists the others', async () => {
    const inv = await inventory(cluster(forbidden));
    expect(inv.failed).toEqual(['job: HTTP-Code: 403']);
    expect(inv.text).toContain('# cronjob (0)');
  });
});
