// pnpm bench api-requests reads the lab API servers' audit logs. The sample is a real kube-apiserver
// v1.34.4 audit log written with the lab's policy (lab/cluster/audit.ts) while the framework's
// handle made requests under several tags: it holds foreign requests (kubectl), a long-running exec
// logged in two stages, the run namespace's create/delete, selective and unselective lists.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isUnselectiveCollectionRead,
  readRunRequests,
  runRequests,
  summarize,
} from '../../../bench/api-requests.js';

const SAMPLE = path.join(path.dirname(new URL(import.meta.url).pathname), 'kube-apiserver-1.34-audit.jsonl');
const RUN = '20261123T090000Z-e2e0aa';
const lines = () => fs.readFileSync(SAMPLE, 'utf8').split('\n');

describe('audit events of one run', () => {
  it("selects only the run's requests, one per auditID, attributed to their check or phase", () => {
    const reqs = runRequests(lines(), RUN);
    // 15 events: 2 kubectl, 1 exec in two stages -> 12 requests of the run
    expect(reqs).toHaveLength(12);
    expect(runRequests(lines(), '20261123T090000Z-ffffff')).toEqual([]);
    const exec = reqs.filter((r) => r.resource === 'pods/exec');
    expect(exec).toEqual([
      {
        verb: 'get',
        uri: '/api/v1/namespaces/default/pods/nope/exec?command=true&stdout=true',
        resource: 'pods/exec',
        namespace: 'default',
        name: 'nope',
        selector: false,
        code: 404,
        check: 'NET-CILIUM-002',
        receivedMs: expect.any(Number),
        doneMs: expect.any(Number),
      },
    ]);
    // the interval spans from the first stage's receipt to the last stage (ResponseComplete)
    expect(exec[0]!.doneMs!).toBeGreaterThanOrEqual(exec[0]!.receivedMs!);
    const phases = reqs.filter((r) => r.framework).map((r) => `${r.framework} ${r.verb} ${r.resource}`);
    // creating the run namespace on a check's first use is the framework's, not the check's
    expect(phases).toEqual([
      'identity get /version',
      'sweep list namespaces',
      'namespace create namespaces',
      'cleanup delete namespaces',
    ]);
    expect(reqs.find((r) => r.verb === 'create' && r.resource === 'configmaps')).toMatchObject({
      check: 'RUN-OWN-001',
      namespace: 'pv-run-20261123t090000z-e2e0aa',
      name: 'x',
    });
  });

  it('flags list/watch of a collection without a selector, and only those', () => {
    const reqs = runRequests(lines(), RUN);
    const flagged = reqs
      .filter((r) => r.check && isUnselectiveCollectionRead(r))
      .map((r) => `${r.check} ${r.resource} ${r.namespace ?? '*'}`);
    expect(flagged).toEqual([
      'BOOT-CORE-001 nodes *',
      'RUN-OWN-001 configmaps kube-system',
      'RUN-OWN-001 apiextensions.k8s.io/customresourcedefinitions *',
    ]);
    const s = summarize('lab-infra', reqs);
    expect(s).toMatchObject({ context: 'lab-infra', total: 12, checks: 3, framework: 4 });
    expect(s.unselective).toEqual([
      'BOOT-CORE-001 lab-infra: list nodes cluster-wide',
      'RUN-OWN-001 lab-infra: list apiextensions.k8s.io/customresourcedefinitions cluster-wide',
      'RUN-OWN-001 lab-infra: list configmaps in kube-system',
    ]);
    expect(s.notes[0]).toBe(
      'lab-infra: 12 requests; checks 8 (3 checks), framework 4 (cleanup, identity, namespace, sweep)',
    );
    expect(s.notes).toContain('    BOOT-CORE-001           3  get namespaces, list namespaces, list nodes');
  });

  it('reads rotated files too, and names the fix when the lab has no audit log', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-audit-'));
    try {
      await expect(readRunRequests(dir, RUN)).rejects.toThrow(
        /no audit log .*audit\.log: .*restart the lab \(pnpm lab down && pnpm lab up\)/,
      );
      const all = lines().filter(Boolean);
      fs.writeFileSync(
        path.join(dir, 'audit-2026-11-23T09-00-20.000.log'),
        all.slice(0, 6).join('\n') + '\n',
      );
      fs.writeFileSync(path.join(dir, 'audit.log'), all.slice(6).join('\n') + '\n');
      fs.writeFileSync(path.join(dir, 'unrelated.txt'), all.join('\n'));
      expect(await readRunRequests(dir, RUN)).toHaveLength(12);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
