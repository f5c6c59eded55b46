// Reliability against the lab: SIGINT mid-check, the API server stopped mid-check (SIGSTOP of the
// apps kube-apiserver for a few seconds, always resumed), the service behind a tunnel stopped
// mid-check. Each time: bounded end, the affected check failed with its cause, JUnit + run.json
// written, no process of the run left, no run-owned namespace left after the next run's sweep.
// (The runner's cluster-free SIGINT/unreachable tests are in test/unit/bin/runner.test.ts and
// test/unit/bin/no-false-green.test.ts; these add the lab, the run namespace and the process tree.)
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRoutedPod } from '../../../lab/core/routed-pod.js';
import { leftoverRunResources } from '../framework/leftovers.js';
import { REPO, adminHandle, namespacesOfRun, outcomes, readJson, tmpDir } from './lib.js';
import { alive, descendants, spawnPv, waitForMarker, type Running } from './proc.js';

const FIXTURE = 'test/fixtures/trust/reliability.test.ts';
const apps = adminHandle('apps');

function env(mode: string, marker: string, extra: Record<string, string> = {}) {
  return {
    PV_SUITES: FIXTURE,
    PV_TRUST_MODE: mode,
    PV_TRUST_MARKER: marker,
    PV_REQUEST_TIMEOUT_MS: '3000',
    PV_RUN_TTL_MINUTES: '0.05', // 3 s: a namespace its run could not remove is swept by the next run
    ...extra,
  };
}

function junitOf(runDir: string): string {
  return fs.readFileSync(path.join(runDir, 'junit-apps.xml'), 'utf8');
}

/** Snapshot of the run's process tree while it runs; all of it must be gone after it ends. */
async function treeWhileRunning(r: Running): Promise<number[]> {
  const pids = [r.child.pid!, ...descendants(r.child.pid!)];
  expect(pids.length, 'bin/test.ts and its vitest workers').toBeGreaterThan(1);
  return pids;
}

async function assertGone(pids: number[]) {
  const until = Date.now() + 10_000;
  while (Date.now() < until && pids.some(alive)) await new Promise((r) => setTimeout(r, 200));
  expect(pids.filter(alive), 'processes of the run still alive').toEqual([]);
}

async function assertNamespaceGoneAfterNextRun(runId: string, dir: string) {
  let left = await namespacesOfRun(apps, runId);
  if (left.length) {
    // the next run's sweep removes it (expired: PV_RUN_TTL_MINUTES above)
    await new Promise((r) => setTimeout(r, 3_500));
    const next = spawnPv([], env('quick', path.join(dir, 'next.json')));
    const r = await next.done;
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
  }
  const until = Date.now() + 30_000;
  while ((left = await namespacesOfRun(apps, runId)).length && Date.now() < until)
    await new Promise((r) => setTimeout(r, 500));
  expect(left, `run-owned namespaces of ${runId}`).toEqual([]);
}

describe('reliability against the lab', () => {
  it('SIGINT mid-check: exit within bounds, outcome interrupted, JUnit + run.json, no process or namespace left', async () => {
    const dir = tmpDir('pv-trust-sigint-');
    const marker = path.join(dir, 'marker.json');
    const run = spawnPv([], env('hold', marker));
    const m = await waitForMarker(marker, 240_000, run);
    const pids = await treeWhileRunning(run);
    expect(pids).toContain(m.pid as number); // the worker running the check
    const ns = String(m.ns);
    expect((await apps.core.readNamespace({ name: ns })).metadata?.name).toBe(ns);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const r = await run.done;
    const stopMs = Date.now() - t0;
    expect(stopMs, 'the run stops within 75 s of SIGINT').toBeLessThan(75_000);
    expect(r.code).not.toBe(0);
    expect(r.runDir).toBeTruthy();
    const rj = readJson<{ outcome: string; runId: string; counts: { passed: number } }>(
      path.join(r.runDir!, 'run.json'),
    );
    expect(rj.outcome).toBe('interrupted');
    expect(rj.counts.passed).toBe(0);
    expect(fs.existsSync(path.join(r.runDir!, 'junit-apps.xml'))).toBe(true);
    const o = outcomes(r.runDir!);
    expect(o['apps:FIX-TRUST-001'] ?? 'not in JUnit').not.toBe('passed');
    await assertGone(pids);
    await assertNamespaceGoneAfterNextRun(rj.runId, dir);
    fs.writeFileSync(path.join(dir, 'timing.txt'), `sigint stop ${stopMs} ms`);
  }, 420_000);

  it('SIGINT while a check holds a key, a topic, a subject and a repository: all four are removed before the run ends', async () => {
    const dir = tmpDir('pv-trust-sigint-protocol-');
    const marker = path.join(dir, 'marker.json');
    const run = spawnPv([], env('protocol', marker));
    const m = await waitForMarker(marker, 240_000, run);
    const runId = String(m.runId);
    // the same reader that must find nothing afterwards finds all four now (it can fail)
    const held = await leftoverRunResources(runId);
    for (const kind of ['redis key', 'kafka topic', 'schema registry subject', 'registry repository'])
      expect(
        held.some((l) => l.startsWith(kind)),
        `${kind} of ${runId} while the check holds it: ${held.join('; ')}`,
      ).toBe(true);
    const pids = await treeWhileRunning(run);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).not.toBe(0);
    expect(readJson<{ outcome: string }>(path.join(r.runDir!, 'run.json')).outcome).toBe('interrupted');
    await assertGone(pids);
    // the check's own finally never ran (vitest abandons it): only the registered cleanups removed them
    expect(await leftoverRunResources(runId), `left by run ${runId} after SIGINT`).toEqual([]);
  }, 420_000);

  it('the API server stops mid-check: the check fails with the timeout as its cause, the run ends, nothing is left', async () => {
    const dir = tmpDir('pv-trust-apistop-');
    const marker = path.join(dir, 'marker.json');
    const pidFile = path.join(REPO, '.lab', 'run', 'apps-apiserver.json');
    const apiPid = (JSON.parse(fs.readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
    expect(alive(apiPid)).toBe(true);
    const run = spawnPv([], env('hold', marker));
    await waitForMarker(marker, 240_000, run);
    const pids = await treeWhileRunning(run);
    const t0 = Date.now();
    // pause the shared lab API server briefly (bounded; always resumed)
    process.kill(apiPid, 'SIGSTOP');
    try {
      await new Promise((res) => setTimeout(res, 8_000));
    } finally {
      process.kill(apiPid, 'SIGCONT');
    }
    const r = await run.done;
    expect(Date.now() - t0, 'the run ends within bounds').toBeLessThan(120_000);
    expect(r.code).toBe(1);
    const rj = readJson<{ outcome: string; runId: string }>(path.join(r.runDir!, 'run.json'));
    expect(rj.outcome).toBe('failed');
    expect(outcomes(r.runDir!)['apps:FIX-TRUST-001']).toBe('failed');
    expect(junitOf(r.runDir!)).toMatch(
      /FIX-TRUST-001[\s\S]*?<failure[^>]*message="[^"]*(TIMEOUT|timed out|timeout|no answer within \d+ ms)/i,
    );
    await assertGone(pids);
    await assertNamespaceGoneAfterNextRun(rj.runId, dir);
  }, 420_000);

  describe('the service behind a tunnel stops mid-check', () => {
    const ns = `pv-trust-tunnel-${Date.now().toString(36)}`;
    const pod = 'echo-0';
    afterAll(async () => {
      await apps.core.deleteNamespace({ name: ns }).catch(() => undefined);
    });

    it('the check fails with the refused dial as its cause, the run ends, no process left', async () => {
      // the test's own echo server, routed by KWOK from pod port 7000
      const sockets = new Set<net.Socket>();
      const server = net.createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
        s.pipe(s);
      });
      await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
      const port = (server.address() as net.AddressInfo).port;
      await apps.core.createNamespace({ body: { metadata: { name: ns } } });
      await createRoutedPod(apps, { namespace: ns, name: pod, routes: [{ port: 7000, target: port }] });

      const dir = tmpDir('pv-trust-tunnel-');
      const marker = path.join(dir, 'marker.json');
      const run = spawnPv([], env('tunnel', marker, { PV_TRUST_NS: ns, PV_TRUST_POD: pod }));
      let r: Awaited<Running['done']>;
      let pids: number[];
      try {
        await waitForMarker(marker, 240_000, run);
        pids = await treeWhileRunning(run);
        // stop the service: no more listener, open connections cut
        await new Promise<void>((res) => {
          server.close(() => res());
          for (const s of sockets) s.destroy();
        });
        const t0 = Date.now();
        r = await run.done;
        expect(Date.now() - t0, 'the run ends within bounds after the service stopped').toBeLessThan(90_000);
      } finally {
        server.close();
      }
      expect(r.code).toBe(1);
      expect(outcomes(r.runDir!)['apps:FIX-TRUST-002']).toBe('failed');
      const junit = junitOf(r.runDir!);
      expect(junit).toMatch(/echo through the tunnel to pod [^ ]+ failed after \d+ round trips/);
      expect(junit).toMatch(/refused|ECONNRESET|closed after|no echo/i);
      expect(readJson<{ outcome: string }>(path.join(r.runDir!, 'run.json')).outcome).toBe('failed');
      await assertGone(pids!);
    }, 420_000);
  });
});
