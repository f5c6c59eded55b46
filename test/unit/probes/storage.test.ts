// The Ceph toolbox mechanism of STO-CEPH-002 (helpers/probes/storage.ts) on a fake handle: the exec is
// replaced, the toolbox Deployment and its pods are recorded objects. Passing and failing shapes, with
// the check's own assertions on what comes back.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { exec } from '../../../helpers/cluster/index.js';
import { cephHealth, toolboxCephStatus, type CephStatus } from '../../../helpers/probes/storage.js';
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

/** STO-CEPH-002's assertions on the parsed status, as the suite writes them. */
function assertHealthy(s: CephStatus) {
  expect(cephHealth(s), 'ceph health').toBe('HEALTH_OK');
  const osd = s.osdmap ?? {};
  expect(osd.num_osds, `osdmap.num_osds in ceph status (${JSON.stringify(s.osdmap)})`).toBeGreaterThan(0);
  expect({ up: osd.num_up_osds, in: osd.num_in_osds }, `OSDs up/in of ${osd.num_osds}`).toEqual({
    up: osd.num_osds,
    in: osd.num_osds,
  });
}

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

  it('fails on what Ceph reports: HEALTH_WARN with its checks, an OSD down, no osdmap', async () => {
    const warn: CephStatus = {
      health: {
        status: 'HEALTH_WARN',
        checks: { OSD_DOWN: { summary: { message: '1 osds down' } }, PG_DEGRADED: { summary: {} } },
      },
      osdmap: { num_osds: 3, num_up_osds: 2, num_in_osds: 3 },
    };
    expect(cephHealth(warn)).toBe('HEALTH_WARN (OSD_DOWN: 1 osds down; PG_DEGRADED: )');
    expect(await failure(() => assertHealthy(warn))).toMatch(/ceph health: expected 'HEALTH_WARN \(OSD_DOWN/);
    const down = { ...HEALTHY, osdmap: { num_osds: 3, num_up_osds: 2, num_in_osds: 3 } };
    expect(await failure(() => assertHealthy(down))).toMatch(/OSDs up\/in of 3[\s\S]*"up":2/);
    // a renamed osdmap: both sides of up/in would be undefined, and equal; num_osds > 0 refuses it,
    // though vitest checks the type first, so this failure carries its type error, not the message
    const renamed = { health: HEALTHY.health, osd_map: HEALTHY.osdmap } as CephStatus;
    expect(await failure(() => assertHealthy(renamed))).toMatch(/actual value must be number or bigint/);
    expect(cephHealth({})).toBe('undefined');
  });
});
