// The identity guard against real API servers (the lab): a context that reaches the wrong cluster fails
// every check of that project, names context/expected/seen, and creates nothing there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClusterHandle } from '../../../helpers/cluster/index.js';
import { prop, readJson, runPv, testcases, twoClusterConfig, type PvResult } from '../../unit/harness.js';
import { LAB_KUBECONFIG } from './lab.js';

const SUITES = 'test/fixtures/suites/identity/*.test.ts';

/** Namespaces labelled with the run id: `name phase`. */
async function runNamespaces(context: string, runId: string): Promise<string[]> {
  const c = createClusterHandle({ name: 'probe', context, kubeconfig: LAB_KUBECONFIG });
  const list = await c.core.listNamespace({ labelSelector: `platform-validation/run-id=${runId}` });
  return list.items.map((n) => `${n.metadata?.name ?? ''} ${n.status?.phase ?? ''}`);
}

describe('identity guard on the lab', () => {
  beforeAll(() => {
    if (!existsSync(LAB_KUBECONFIG))
      throw new Error(`the lab is not up: ${LAB_KUBECONFIG} is missing (pnpm lab up)`);
  });

  describe('context of cluster infra points at the apps control plane', () => {
    let r: PvResult;
    beforeAll(async () => {
      const cfg = await twoClusterConfig({
        env: 'wrong',
        kubeconfig: LAB_KUBECONFIG,
        contexts: { infra: 'lab-apps', apps: 'lab-apps' },
      });
      r = await runPv(['--project', 'infra'], { PV_CONFIG: cfg, PV_SUITES: SUITES });
    });

    it('fails every check of the project (none skipped or passed) naming context, expected and seen', () => {
      expect(r.code).toBe(1);
      const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
      expect(cases).toHaveLength(2);
      for (const c of cases) {
        expect(c.body).toMatch(/<failure /);
        expect(c.body).toMatch(/context &quot;lab-apps&quot;|context "lab-apps"/);
        expect(c.body).toMatch(/expected &quot;infra&quot;, seen &quot;apps&quot;/);
      }
      const run = readJson<{ clusters: { infra: { ok: boolean; identity: { seen: string } } } }>(
        path.join(r.runDir!, 'run.json'),
      );
      expect(run.clusters.infra.ok).toBe(false);
      expect(run.clusters.infra.identity.seen).toBe('apps');
    });

    it('created nothing on the cluster it reached', async () => {
      expect(await runNamespaces('lab-apps', path.basename(r.runDir!))).toEqual([]);
    });
  });

  describe('correct contexts', () => {
    let r: PvResult;
    beforeAll(async () => {
      const cfg = await twoClusterConfig({
        env: 'lab',
        kubeconfig: LAB_KUBECONFIG,
        contexts: { infra: 'lab-infra', apps: 'lab-apps' },
      });
      r = await runPv([], { PV_CONFIG: cfg, PV_SUITES: SUITES });
    });

    it('proves both identities and records them in run.json', () => {
      const run = readJson<{
        clusters: Record<
          string,
          { ok: boolean; identity: { seen: string }; serverVersion: string; server: string }
        >;
      }>(path.join(r.runDir!, 'run.json'));
      for (const c of ['infra', 'apps']) {
        expect(run.clusters[c]).toMatchObject({ ok: true, identity: { seen: c } });
        expect(run.clusters[c]!.serverVersion).toMatch(/^v1\./);
        expect(run.clusters[c]!.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      }
    });

    it('the write check passes on both clusters, and its namespace is removed at the end of the run', async () => {
      for (const cluster of ['infra', 'apps']) {
        const cases = testcases(readFileSync(path.join(r.runDir!, `junit-${cluster}.xml`), 'utf8'));
        const w = cases.find((c) => c.name.startsWith('IDN-001'))!;
        expect(w.body).not.toMatch(/<failure/);
        const ns = await runNamespaces(`lab-${cluster}`, path.basename(r.runDir!));
        // deleted, or terminating at most (namespace deletion is asynchronous)
        for (const n of ns) expect(n).toMatch(/^pv-run-\S+ Terminating$/);
      }
    });

    it('a failing check gets the status of what it read and its namespace events attached by the framework', () => {
      const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
      const f = cases.find((c) => c.name.startsWith('IDN-002'))!;
      expect(f.body).toMatch(/<failure message="deliberate failure[^"]*expected/);
      const ev = prop(f.body, 'evidence');
      expect(ev.some((e) => /failure-status-ConfigMap-flux-system-cluster-settings/.test(e))).toBe(true);
      expect(ev.some((e) => /events-infra-flux-system/.test(e))).toBe(true);
      for (const e of ev) expect(existsSync(path.join(r.runDir!, e))).toBe(true);
    });
  });
});
