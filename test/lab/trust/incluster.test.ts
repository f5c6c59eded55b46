// In-cluster mode against the lab, configured as a pod would be: client-node loadFromCluster over a
// ServiceAccount directory (token from the TokenRequest API, the lab CA, namespace) with
// KUBERNETES_SERVICE_HOST/PORT = the lab API server; PV_MODE=in-cluster so targets are dialed
// directly. The lab's Service/pod IPs are data: the address map (from KWOK's routes) sends each pod
// port to its real loopback process, and without it the loopback guard refuses to dial.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClusterHandle, proveIdentity, readSecretValue } from '../../../helpers/cluster/index.js';
import {
  AddressGuardError,
  IN_CLUSTER_CONTEXT,
  SA_DIR,
  buildLabAddressMap,
  closeAllDirectTunnels,
  guardAddress,
  inClusterKubeConfig,
  writeInClusterKubeconfig,
} from '../../../helpers/incluster/index.js';
import { openTunnel, openTunnelCount } from '../../../helpers/tunnel/index.js';
import { runPv, spawnNode } from './proc.js';
import { readImageProcess, readJobContainer } from './container.js';
import { REPO, adminHandle, applyRbac, labServer, mintToken, outcomes, tmpDir } from './lib.js';
import { readJson } from '../../unit/harness.js';
import { query, VM_IMPORT } from '../framework/vm.js';

describe('in-cluster mode on the lab (ServiceAccount mount, direct Service access)', () => {
  let dir: string;
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let mapFile: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = tmpDir('pv-trust-incluster-');
    prefix = path.join(dir, 'pod');
    const sa = path.join(prefix, SA_DIR);
    fs.mkdirSync(sa, { recursive: true });
    const admin = adminHandle('apps');
    await applyRbac(admin);
    fs.writeFileSync(path.join(sa, 'token'), await mintToken(admin, 1800), { mode: 0o600 });
    fs.writeFileSync(path.join(sa, 'ca.crt'), labServer('apps').caPem);
    fs.writeFileSync(path.join(sa, 'namespace'), 'platform-validation');
    env = {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(labServer('apps').port),
      PV_SA_PREFIX: prefix,
    };
    mapFile = path.join(dir, 'address-map.json');
    fs.writeFileSync(mapFile, JSON.stringify(await buildLabAddressMap([admin]), null, 2));
  }, 60_000);

  afterAll(async () => {
    await closeAllDirectTunnels();
    for (const k of ['PV_MODE', 'PV_INCLUSTER_ADDRESS_MAP', 'PV_LAB', 'PV_ENV']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('loadFromCluster with a path prefix reaches the lab as the ServiceAccount and proves identity', async () => {
    const kc = inClusterKubeConfig({ env });
    expect(kc.getCurrentContext()).toBe(IN_CLUSTER_CONTEXT);
    expect(kc.getCurrentUser()?.authProvider?.name).toBe('tokenFile'); // re-read on rotation, not copied
    const file = writeInClusterKubeconfig(path.join(dir, 'kubeconfig'), { env });
    expect(fs.readFileSync(file, 'utf8')).not.toContain(
      fs.readFileSync(path.join(prefix, SA_DIR, 'token'), 'utf8'),
    );
    const c = createClusterHandle({ name: 'apps', context: IN_CLUSTER_CONTEXT, kubeconfig: file });
    await proveIdentity(c, { timeoutMs: 15_000 });
    expect(c.identity?.seen).toBe('apps');
    const review = await c.core
      .listNamespacedSecret({ namespace: 'default' })
      .catch((e: { code?: number }) => e);
    expect((review as { code?: number }).code).toBe(403); // the ServiceAccount, not the lab admin
  });

  it('a direct connection goes to the mapped loopback process, with no port-forward, and speaks Redis', async () => {
    process.env.PV_MODE = 'in-cluster';
    process.env.PV_LAB = '1';
    process.env.PV_INCLUSTER_ADDRESS_MAP = mapFile;
    const file = writeInClusterKubeconfig(path.join(dir, 'kubeconfig'), { env });
    const c = createClusterHandle({ name: 'apps', context: IN_CLUSTER_CONTEXT, kubeconfig: file });
    await proveIdentity(c, { timeoutMs: 15_000 });
    const t = await openTunnel(c, {
      kind: 'Service',
      namespace: 'dragonfly-system',
      name: 'dragonfly',
      port: 6379,
    });
    expect(openTunnelCount()).toBe(0); // nothing went through the port-forward tunnel module
    const password = await readSecretValue(c, 'dragonfly-system', 'dragonfly-auth', 'password');
    const r = new Redis({ host: t.host, port: t.port, password, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await r.connect();
      expect(await r.ping()).toBe('PONG');
      expect(await r.info('server')).toMatch(/tcp_port:\d+/);
    } finally {
      r.disconnect();
      await t.close();
    }
    expect(t.stats.connections).toBe(1);
    expect(t.stats.bytesFromRemote).toBeGreaterThan(0);
  });

  it('without the map, the lab guard refuses the Service DNS name and the 10.x pod IP before dialing', async () => {
    process.env.PV_MODE = 'in-cluster';
    process.env.PV_LAB = '1';
    delete process.env.PV_INCLUSTER_ADDRESS_MAP;
    const c = createClusterHandle({
      name: 'apps',
      context: IN_CLUSTER_CONTEXT,
      kubeconfig: writeInClusterKubeconfig(path.join(dir, 'kubeconfig'), { env }),
    });
    await proveIdentity(c, { timeoutMs: 15_000 });
    await expect(
      openTunnel(c, { kind: 'Service', namespace: 'dragonfly-system', name: 'dragonfly', port: 6379 }),
    ).rejects.toThrow(
      /refusing to dial dragonfly\.dragonfly-system\.svc\.cluster\.local.*only 127\.0\.0\.0\/8/,
    );
    await expect(
      openTunnel(c, { kind: 'Pod', namespace: 'dragonfly-system', name: 'dragonfly-0', port: 6379 }),
    ).rejects.toThrow(/refusing to dial 10\.\d+\.\d+\.\d+/);
    expect(() => guardAddress('10.247.0.10', 'x', { PV_LAB: '1' })).toThrow(AddressGuardError);
    expect(() => guardAddress('10.247.0.10', 'x', { PV_ENV: 'lab' })).toThrow(AddressGuardError);
    expect(() => guardAddress('127.0.0.1', 'x', { PV_LAB: '1' })).not.toThrow();
    expect(() => guardAddress('10.247.0.10', 'x', { PV_ENV: 'prod' })).not.toThrow(); // real clusters dial Services
  });

  it('the apps suites that reach services pass in in-cluster mode (pnpm test with the in-cluster kubeconfig)', async () => {
    const kubeconfig = writeInClusterKubeconfig(path.join(dir, 'run-kubeconfig'), { env });
    const config = path.join(dir, 'platform.config.ts');
    fs.writeFileSync(
      config,
      `export default ${JSON.stringify({
        defaultEnv: 'lab',
        evidenceDir: path.join(dir, 'evidence'),
        environments: { lab: { clusters: { apps: { context: IN_CLUSTER_CONTEXT, kubeconfig } } } },
      })};\n`,
    );
    const grep = 'cnpg || pgbouncer || dragonfly || kafka || harbor || coredns';
    const r = await runPv(
      ['--grep', grep],
      {
        PV_CONFIG: config,
        PV_MODE: 'in-cluster',
        PV_LAB: '1',
        PV_INCLUSTER_ADDRESS_MAP: mapFile,
      },
      600_000,
    );
    expect(r.runDir, r.stdout.slice(-3000)).toBeTruthy();
    const o = outcomes(r.runDir!);
    const passed = Object.entries(o)
      .filter(([, v]) => v === 'passed')
      .map(([k]) => k);
    // the checks that open connections to services through the (now direct) dialer
    for (const id of [
      'DB-CNPG-001',
      'DB-DRAGONFLY-001',
      'MSG-KAFKA-002',
      'REG-HARBOR-001',
      'NET-DNS-001',
    ].filter((x) => `apps:${x}` in o))
      expect(passed, `${id}\n${r.stdout.slice(-3000)}`).toContain(`apps:${id}`);
    expect(passed.length).toBeGreaterThan(8);
    expect(r.stdout + r.stderr).not.toMatch(/port-forward|portforward/i);
  }, 660_000);

  /**
   * The image's process as deploy/Containerfile (WORKDIR, ENV, ENTRYPOINT) and deploy/job.yaml (args,
   * env) declare it, started from this checkout: WORKDIR /app is the checkout, /evidence and
   * /tmp/pv are directories of this test, the pod's ServiceAccount mount is the prefixed directory.
   */
  function imageCommand(extraArgs: string[]): { nodeArgs: string[]; env: Record<string, string> } {
    const image = readImageProcess();
    const job = readJobContainer();
    const where = (v: string) =>
      v
        .replace(/^\/evidence(?=\/|$)/, path.join(dir, 'image-evidence'))
        .replace(/^\/tmp\/pv(?=\/|$)/, path.join(dir, 'image-tmp'))
        .replace(new RegExp(`^${image.workdir}(?=/|$)`), REPO);
    const mapped = (e: Record<string, string>) =>
      Object.fromEntries(Object.entries(e).map(([k, v]) => [k, where(v)]));
    expect(image.workdir, 'WORKDIR of deploy/Containerfile').toBe('/app');
    expect(image.entrypoint[0], 'ENTRYPOINT starts node').toBe('node');
    // Kubernetes `args` replace the image's CMD; `env` adds to (and overrides) its ENV
    return {
      nodeArgs: [...image.entrypoint.slice(1), ...(job.args.length ? job.args : image.cmd), ...extraArgs],
      env: {
        ...mapped(image.env),
        ...mapped(job.env),
        ...(env as Record<string, string>),
        PV_LAB: '1',
        PV_INCLUSTER_ADDRESS_MAP: mapFile,
      },
    };
  }

  it('the image command (Containerfile ENTRYPOINT/ENV + Job args/env) runs the apps checks and writes evidence', async () => {
    const { nodeArgs, env: e } = imageCommand(['--grep', 'cnpg || pgbouncer || coredns']);
    // the Job's opt-in metrics: the entrypoint runs the gate after the run, pushing to the lab's VictoriaMetrics
    e.PV_METRICS_URL = VM_IMPORT;
    expect(nodeArgs).toEqual(expect.arrayContaining(['deploy/entrypoint.ts', '--env', 'in-cluster']));
    const r = await spawnNode(nodeArgs, e, 300_000).done;
    expect(r.code, r.stdout.slice(-3000) + r.stderr.slice(-2000)).toBe(0);
    // the entrypoint wrote the ServiceAccount kubeconfig where the image's ENV says
    expect(fs.existsSync(e.PV_INCLUSTER_KUBECONFIG!)).toBe(true);
    expect(r.runDir?.startsWith(path.join(dir, 'image-evidence')), `run dir ${r.runDir}`).toBe(true);
    const o = outcomes(r.runDir!);
    for (const id of ['DB-CNPG-001', 'DB-CNPG-002', 'NET-DNS-001'])
      expect(o[`apps:${id}`], `${id}\n${r.stdout.slice(-3000)}`).toBe('passed');
    expect(Object.keys(o).every((k) => k.startsWith('apps:'))).toBe(true);
    expect(readJson<{ env: string }>(path.join(r.runDir!, 'run.json')).env).toBe('in-cluster');
    expect(r.stdout + r.stderr).not.toMatch(/port-forward|portforward/i);
    expect(r.stdout).toMatch(/metrics: \d+ samples pushed/);
    const runId = path.basename(r.runDir!);
    await expect
      .poll(async () => (await query(`pv_run_info{run_id="${runId}"}`)).length, { timeout: 30_000 })
      .toBe(1);
    const st = await query(`pv_check_status{env="in-cluster",check="DB-CNPG-001",cluster="apps"} == 1`);
    expect(st.map((x) => x.metric['status'])).toEqual(['passed']);
  }, 330_000);

  it('SIGTERM to the image process (Job deleted, deadline) ends the run as interrupted, with JUnit and run.json', async () => {
    const { nodeArgs, env: e } = imageCommand(['--grep', 'cnpg || coredns || kafka']);
    const run = spawnNode(nodeArgs, e, 300_000, { when: /RUN\s+v4/, signal: 'SIGTERM', delayMs: 1_500 });
    const r = await run.done;
    expect(r.code, r.stdout.slice(-3000)).toBe(143);
    expect(r.runDir, r.stdout.slice(-3000)).toBeTruthy();
    expect(readJson<{ outcome: string }>(path.join(r.runDir!, 'run.json')).outcome).toBe('interrupted');
    expect(fs.existsSync(path.join(r.runDir!, 'junit-apps.xml'))).toBe(true);
  }, 330_000);
});
