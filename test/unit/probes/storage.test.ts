// The Ceph toolbox mechanism of STO-CEPH-002 (helpers/probes/storage.ts) on a fake handle: the exec is
// replaced, the toolbox Deployment and its pods are recorded objects. Passing and failing shapes, with
// the check's own assertions on what comes back.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { exec } from '../../../helpers/cluster/index.js';
import {
  cephHealth,
  cephStatusProblems,
  toolboxCephStatus,
  type CephStatus,
} from '../../../helpers/probes/storage.js';
import { failure, fakeEvidence } from './fake-run.js';

// exec is a websocket to the apiserver: replaced here
vi.mock('../../../helpers/cluster/index.js', async (orig) => ({
  ...(await orig<typeof import('../../../helpers/cluster/index.js')>()),
  exec: vi.fn(),
}));

const ceph = (): Facts['storage']['ceph'] => (structuredClone(factsDefaults('infra')) as Facts).storage.ceph;

const pod = (name: string, phase: string) => ({ metadata: { name }, status: { phase } });
const handle = (pods: unknown[], seen: { selector?: string } = {}) =>
  ({
    name: 'infra',
    apps: {
      readNamespacedDeployment: async () => ({
        spec: { selector: { matchLabels: { app: 'rook-ceph-tools' } } },
      }),
    },
    core: {
      listNamespacedPod: async (o: { labelSelector: string }) => {
        seen.selector = o.labelSelector;
        return { items: pods };
      },
    },
  }) as unknown as ClusterHandle;

const HEALTHY: CephStatus = {
  health: { status: 'HEALTH_OK', checks: {} },
  osdmap: { num_osds: 3, num_up_osds: 3, num_in_osds: 3 },
};

/** STO-CEPH-002's verdict on the parsed status (the suite asserts it is empty). */
const assertHealthy = (s: CephStatus) => expect(cephStatusProblems(s), 'ceph status problems').toEqual([]);

describe('toolboxCephStatus (STO-CEPH-002)', () => {
  beforeEach(() => vi.mocked(exec).mockReset());

  it('passes: ceph status in the first Running toolbox pod, HEALTH_OK, every OSD up and in, attached', async () => {
    vi.mocked(exec).mockResolvedValue({ stdout: JSON.stringify(HEALTHY), stderr: '', exitCode: 0 } as never);
    const { evidence, attached } = fakeEvidence();
    const seen: { selector?: string } = {};
    const k = handle([pod('tools-pending', 'Pending'), pod('tools-abc', 'Running')], seen);
    const s = await toolboxCephStatus(k, ceph(), evidence);
    assertHealthy(s);
    expect(seen.selector).toBe('app=rook-ceph-tools');
    expect(vi.mocked(exec).mock.calls[0]![1]).toMatchObject({
      namespace: ceph().namespace,
      pod: 'tools-abc',
      command: ['ceph', 'status', '-f', 'json'],
    });
    expect(attached['ceph-status.json']).toBe(JSON.stringify(HEALTHY));
  });

  it('fails naming the toolbox Deployment when none of its pods runs (and never execs)', async () => {
    const c = ceph();
    const msg = await failure(
      toolboxCephStatus(handle([pod('tools-abc', 'Pending')]), c, fakeEvidence().evidence),
    );
    expect(msg).toContain(`running pods of toolbox Deployment ${c.namespace}/${c.toolbox}`);
    expect(vi.mocked(exec)).not.toHaveBeenCalled();
  });

  it('fails with the stderr when ceph status exits non-zero; the stderr is attached too', async () => {
    vi.mocked(exec).mockResolvedValue({
      stdout: '',
      stderr: 'monclient: authenticate timed out\n',
      exitCode: 1,
    } as never);
    const { evidence, attached } = fakeEvidence();
    const msg = await failure(toolboxCephStatus(handle([pod('tools-abc', 'Running')]), ceph(), evidence));
    expect(msg).toMatch(/ceph status exit code \(stderr: monclient: authenticate timed out\)/);
    expect(attached['ceph-status.json']).toBe('\n--- stderr ---\nmonclient: authenticate timed out\n');
  });

  it('fails on what Ceph reports: HEALTH_WARN with its checks, an OSD down, no osdmap', () => {
    const warn: CephStatus = {
      health: {
        status: 'HEALTH_WARN',
        checks: { OSD_DOWN: { summary: { message: '1 osds down' } }, PG_DEGRADED: { summary: {} } },
      },
      osdmap: { num_osds: 3, num_up_osds: 2, num_in_osds: 3 },
    };
    expect(cephHealth(warn)).toBe('HEALTH_WARN (OSD_DOWN: 1 osds down; PG_DEGRADED: )');
    expect(cephStatusProblems(warn)).toEqual([
      'ceph health: HEALTH_WARN (OSD_DOWN: 1 osds down; PG_DEGRADED: )',
      'OSDs up/in of 3: 2 up, 3 in',
    ]);
    // a renamed osdmap: both sides of up/in would be undefined, and equal; the missing count refuses it
    const renamed = { health: HEALTHY.health, osd_map: HEALTHY.osdmap } as CephStatus;
    expect(cephStatusProblems(renamed)).toEqual([
      'no OSD count: osdmap.num_osds is undefined (osdmap undefined)',
    ]);
    expect(cephHealth({})).toBe('undefined');
  });
});
