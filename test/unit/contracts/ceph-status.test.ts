// STO-CEPH-001 and STO-CEPH-002 on the contract samples of test/contracts/ceph-status (Ceph's
// `ceph status -f json` and Rook's CephCluster status, transcribed from upstream): healthy shapes
// pass, each failing shape fails naming what Ceph reported; and the lab's Ceph model has the
// upstream shape where the checks read it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { cephClusterHealth, cephStatusProblems, type CephStatus } from '../../../helpers/probes/storage.js';
import { cephClusterStatus, cephModel } from '../../../lab/sim/ceph.js';

const dir = path.join(REPO_ROOT, 'test', 'contracts', 'ceph-status');
const sample = (file: string) =>
  JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
const { shapes } = sample('shapes.json') as {
  shapes: { check: 'STO-CEPH-001' | 'STO-CEPH-002'; file: string; expect: string }[];
};

/** What each check decides: '' when it passes, else its failure text. */
const verdict: Record<string, (o: Record<string, unknown>) => string> = {
  'STO-CEPH-002': (o) => cephStatusProblems(o as CephStatus).join('; '),
  // fieldEquals: the value must be HEALTH_OK
  'STO-CEPH-001': (o) => {
    const v = cephClusterHealth(o as { status?: Record<string, unknown> });
    return v === 'HEALTH_OK' ? '' : v;
  },
};

/** Every path of `o` with the type of its value (arrays by their first element). */
function paths(o: unknown, at = ''): string[] {
  if (Array.isArray(o)) return [`${at}:array`, ...(o.length ? paths(o[0], `${at}[]`) : [])];
  if (o && typeof o === 'object')
    return Object.entries(o).flatMap(([k, v]) => paths(v, at ? `${at}.${k}` : k));
  return [`${at}:${typeof o}`];
}

describe('Ceph contract samples', () => {
  it('each check has a healthy and a failing shape', () => {
    for (const id of Object.keys(verdict)) {
      expect(shapes.some((s) => s.check === id && s.expect === 'pass')).toBe(true);
      expect(shapes.some((s) => s.check === id && s.expect !== 'pass')).toBe(true);
    }
  });

  it.each(shapes.map((s) => [`${s.check} on ${s.file}: ${s.expect}`, s] as const))('%s', (_n, s) => {
    const got = verdict[s.check]!(sample(s.file));
    if (s.expect === 'pass') expect(got).toBe('');
    else expect(got).toContain(s.expect);
  });

  it("the lab's ceph status has upstream's keys and types at every path of the healthy and the OSD-down samples", () => {
    const lab = (c: Parameters<typeof cephModel>[1]) =>
      new Set(paths(cephModel('infra', c, new Date('2026-12-01T10:00:00Z')).status));
    const missing = (file: string, have: Set<string>) =>
      paths(sample(file)).filter((p) => !have.has(p) && !p.startsWith('servicemap.services'));
    expect(missing('squid-health-ok.json', lab(undefined))).toEqual([]);
    expect(missing('squid-osd-down.json', lab({ osdsDown: [2] }))).toEqual([]);
  });

  it("the lab's CephCluster status has Rook's keys where STO-CEPH-001 reads them", () => {
    const warn = cephClusterStatus(cephModel('infra', { osdsDown: [2] }));
    const have = new Set(paths({ status: warn }));
    const want = paths(sample('rook-cephcluster-health-warn.json')).filter((p) =>
      /^status\.ceph\.(health|details)/.test(p),
    );
    expect(want.filter((p) => !have.has(p))).toEqual([]);
  });
});
