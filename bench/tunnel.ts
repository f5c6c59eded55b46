// Our tunnel (helpers/tunnel) against `kubectl port-forward` (the lab-built kubectl) to the same lab
// pod, both against direct loopback (the limit). The pod is a KWOK pod whose ports 7000 (echo) and
// 7001 (source: sends PV_BENCH_TUNNEL_MIB MiB, then closes) are routed by a KWOK PortForward to
// servers this benchmark runs in a child process (bench/tunnel-servers.mjs). Setup = connect + 1-byte round trip, N sequential connections.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createClusterHandle, type ClusterHandle } from '../helpers/cluster/index.js';
import { percentile } from '../helpers/clients/latency.js';
import { openTunnel } from '../helpers/tunnel/index.js';
import { createRoutedPod } from '../lab/core/routed-pod.js';
import type { Benchmark, BenchResult } from './registry.js';
import { ratioInterval } from './stats.js';

type Stats = { p50: number; p95: number };
type Sampled = Stats & { samples: number[] };
// 1000, not the 200 the issue names as a minimum: with 200 the 95% interval of a p95 ratio spans
// about 0.7-1.6x on this shared machine, too wide to say anything; with 1000, about +-0.1x.
const CONNS = Number(process.env.PV_BENCH_TUNNEL_CONNS ?? 1000);
const MIB = Number(process.env.PV_BENCH_TUNNEL_MIB ?? 64);

/** The echo and source servers, in a child process: the pod side must not share the event loop of the
 * tunnel under test (in a cluster it is another machine), or the kubectl path, whose forwarder is its
 * own process, would be favoured. */
async function servers(root: string): Promise<{ echo: number; source: number; close(): void }> {
  const child = spawn(process.execPath, [path.join(root, 'bench', 'tunnel-servers.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, PV_BENCH_TUNNEL_MIB: String(MIB) },
  });
  const ports = await new Promise<{ echo: number; source: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench/tunnel-servers.mjs did not listen within 10 s')),
      10_000,
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as { echo: number; source: number });
      } catch {
        reject(
          new Error(
            `bench/tunnel-servers.mjs printed ${JSON.stringify(out)}, expected {"echo":port,"source":port}`,
          ),
        );
      }
    });
    child.once(
      'exit',
      (c) => (clearTimeout(timer), reject(new Error(`bench/tunnel-servers.mjs exited ${c}`))),
    );
  });
  return { ...ports, close: () => void child.kill('SIGTERM') };
}

function roundTrip(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => (s.destroy(), reject(new Error('round trip timed out (10 s)'))), 10_000);
    s.setNoDelay(true);
    s.once('connect', () => s.write('x'));
    s.once('data', () => {
      clearTimeout(timer);
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      s.destroy();
    });
    s.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

function download(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = 0;
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(
      () => (s.destroy(), reject(new Error(`download timed out at ${got} bytes`))),
      180_000,
    );
    const want = MIB * 1024 * 1024;
    // time to the last byte (a forwarder may keep the connection open after the remote closed)
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= want) {
        clearTimeout(timer);
        resolve(Number(process.hrtime.bigint() - t0) / 1e9);
        s.destroy();
      }
    });
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
    s.on('close', () => {
      clearTimeout(timer);
      if (got < want) reject(new Error(`download got ${got} of ${MIB} MiB`));
    });
  });
}

const DL_RUNS = 9;

/**
 * The machine is shared: the paths take turns connection by connection (the order rotating each turn,
 * so none always follows the same one), and load from other work hits each alike.
 */
async function setupStats(ports: number[]): Promise<Sampled[]> {
  const xs = ports.map(() => [] as number[]);
  for (let k = 0; k < CONNS; k++)
    for (let j = 0; j < ports.length; j++) {
      const i = (j + k) % ports.length;
      xs[i]!.push(await roundTrip(ports[i]!));
    }
  return xs.map((x) => ({ p50: percentile(x, 50), p95: percentile(x, 95), samples: x }));
}

/** DL_RUNS interleaved downloads per path (median and samples), after one warm-up download each (JIT, buffers). */
async function downloads(ports: number[]): Promise<{ median: number; samples: number[] }[]> {
  for (const p of ports) await download(p);
  const xs = ports.map(() => [] as number[]);
  for (let r = 0; r < DL_RUNS; r++)
    for (let i = 0; i < ports.length; i++) xs[i]!.push(await download(ports[i]!));
  return xs.map((x) => ({ median: percentile(x, 50), samples: x }));
}

async function kubectlForward(
  root: string,
  ns: string,
  pod: string,
): Promise<{ child: ChildProcess; ports: number[] }> {
  const kubectl = path.join(root, '.lab', 'bin', 'kubectl');
  const child = spawn(
    kubectl,
    [
      '--kubeconfig',
      path.join(root, '.lab', 'kubeconfig'),
      '--context',
      'lab-apps',
      '-n',
      ns,
      'port-forward',
      '--address',
      '127.0.0.1',
      `pod/${pod}`,
      ':7000',
      ':7001',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const ports: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('kubectl port-forward did not start within 20 s')),
      20_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/Forwarding from 127\.0\.0\.1:(\d+)/g)) ports.push(Number(m[1]));
      if (ports.length >= 2) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (c) => reject(new Error(`kubectl port-forward exited ${c}`)));
  });
  return { child, ports };
}

async function labPod(
  c: ClusterHandle,
  echoPort: number,
  sourcePort: number,
): Promise<{ ns: string; pod: string }> {
  const ns = `pv-bench-tunnel-${Date.now().toString(36)}`;
  const pod = 'bench-0';
  await c.core.createNamespace({
    body: { metadata: { name: ns, labels: { 'platform-validation/bench': 'tunnel' } } },
  });
  await createRoutedPod(c, {
    namespace: ns,
    name: pod,
    routes: [
      { port: 7000, target: echoPort },
      { port: 7001, target: sourcePort },
    ],
  });
  return { ns, pod };
}

export const tunnelBenchmark: Benchmark = {
  name: 'tunnel',
  description: `our tunnel vs kubectl port-forward vs direct loopback: setup p50/p95 over ${CONNS} connections, ${MIB} MiB download (median of ${DL_RUNS}) (lab)`,
  async run(root: string): Promise<BenchResult> {
    const c = createClusterHandle({
      name: 'apps',
      context: 'lab-apps',
      kubeconfig: path.join(root, '.lab', 'kubeconfig'),
    });
    const srv = await servers(root);
    const { ns, pod } = await labPod(c, srv.echo, srv.source);
    let kubectl: ChildProcess | undefined;
    try {
      const ours = {
        echo: await openTunnel(c, { kind: 'Pod', namespace: ns, name: pod, port: 7000 }),
        source: await openTunnel(
          c,
          { kind: 'Pod', namespace: ns, name: pod, port: 7001 },
          { skipProof: true },
        ),
      };
      if (ours.echo.stats.transport !== 'spdy')
        throw new Error(`our tunnel fell back: ${ours.echo.errors.join('; ')}`);
      const kf = await kubectlForward(root, ns, pod);
      kubectl = kf.child;
      // warm-up both paths (first stream pays TLS/SPDY setup once)
      for (const p of [ours.echo.port, kf.ports[0]!]) for (let i = 0; i < 5; i++) await roundTrip(p);
      const [direct, setupOurs, setupKubectl] = (await setupStats([
        srv.echo,
        ours.echo.port,
        kf.ports[0]!,
      ])) as [Sampled, Sampled, Sampled];
      const dl = await downloads([srv.source, ours.source.port, kf.ports[1]!]);
      const [dlDirect, dlOurs, dlKubectl] = dl.map((d) => d.median) as [number, number, number];
      // The previous transport (a websocket, i.e. a TLS handshake, per connection), for the before/after:
      // measured afterwards, against kubectl again. Interleaved with ours, its handshakes and their
      // garbage ran in this process between our connections and landed in our tail.
      const ws = {
        echo: await openTunnel(
          c,
          { kind: 'Pod', namespace: ns, name: pod, port: 7000 },
          { transport: 'websocket' },
        ),
        source: await openTunnel(
          c,
          { kind: 'Pod', namespace: ns, name: pod, port: 7001 },
          { skipProof: true, transport: 'websocket' },
        ),
      };
      for (let i = 0; i < 5; i++) await roundTrip(ws.echo.port);
      const [setupWs, setupKubectlWs] = (await setupStats([ws.echo.port, kf.ports[0]!])) as [
        Sampled,
        Sampled,
      ];
      const [dlWs, dlKubectlWs] = (await downloads([ws.source.port, kf.ports[1]!])).map((d) => d.median) as [
        number,
        number,
      ];
      const sessions = (ours.echo.stats.sessions ?? 0) + (ours.source.stats.sessions ?? 0);
      for (const t of [ours.echo, ours.source, ws.echo, ws.source]) await t.close();
      const mbps = (s: number) => MIB / s;
      return {
        notes: [
          `direct loopback: setup p50 ${direct.p50.toFixed(2)} ms p95 ${direct.p95.toFixed(2)} ms; ${MIB} MiB in ${dlDirect.toFixed(2)} s (${mbps(dlDirect).toFixed(0)} MiB/s)`,
          `ours (spdy):     setup p50 ${setupOurs.p50.toFixed(2)} ms p95 ${setupOurs.p95.toFixed(2)} ms; ${MIB} MiB in ${dlOurs.toFixed(2)} s (${mbps(dlOurs).toFixed(0)} MiB/s)`,
          `ours (websocket per connection, before): setup p50 ${setupWs.p50.toFixed(2)} ms p95 ${setupWs.p95.toFixed(2)} ms; ${MIB} MiB in ${dlWs.toFixed(2)} s (${mbps(dlWs).toFixed(0)} MiB/s)`,
          `ours (spdy) used ${sessions} API-server connection(s) for ${CONNS + 6} connections`,
          `kubectl:         setup p50 ${setupKubectl.p50.toFixed(2)} ms p95 ${setupKubectl.p95.toFixed(2)} ms; ${MIB} MiB in ${dlKubectl.toFixed(2)} s (${mbps(dlKubectl).toFixed(0)} MiB/s)`,
          'ratios: ours/kubectl (goal: setup <= 1x, transfer time <= 1x), then ours/direct (the cost of going through the API server)',
        ],
        rows: [
          {
            metric: 'setup p50 ms (ours / kubectl)',
            ours: setupOurs.p50,
            baseline: setupKubectl.p50,
            goal: 1,
            ci: ratioInterval(setupOurs.samples, setupKubectl.samples, 50),
          },
          {
            metric: 'setup p95 ms (ours / kubectl)',
            ours: setupOurs.p95,
            baseline: setupKubectl.p95,
            goal: 1,
            ci: ratioInterval(setupOurs.samples, setupKubectl.samples, 95),
          },
          // the 200: the start of the same run, where our JS path is still being optimized (JIT)
          ...([50, 95] as const).map((p) => {
            const [o, k] = [setupOurs.samples.slice(0, 200), setupKubectl.samples.slice(0, 200)];
            return {
              metric: `setup p${p} ms, first 200 (ours / kubectl)`,
              ours: percentile(o, p),
              baseline: percentile(k, p),
              ci: ratioInterval(o, k, p),
            };
          }),
          {
            metric: `${MIB} MiB transfer s (ours / kubectl)`,
            ours: dlOurs,
            baseline: dlKubectl,
            goal: 1,
            ci: ratioInterval(dl[1]!.samples, dl[2]!.samples, 50),
          },
          { metric: 'setup p50 ms (websocket / kubectl)', ours: setupWs.p50, baseline: setupKubectlWs.p50 },
          { metric: 'setup p95 ms (websocket / kubectl)', ours: setupWs.p95, baseline: setupKubectlWs.p95 },
          { metric: `${MIB} MiB transfer s (websocket / kubectl)`, ours: dlWs, baseline: dlKubectlWs },
          { metric: 'setup p50 ms (ours / direct)', ours: setupOurs.p50, baseline: direct.p50 },
          { metric: `${MIB} MiB transfer s (ours / direct)`, ours: dlOurs, baseline: dlDirect },
          { metric: 'setup p50 ms (kubectl / direct)', ours: setupKubectl.p50, baseline: direct.p50 },
          { metric: `${MIB} MiB transfer s (kubectl / direct)`, ours: dlKubectl, baseline: dlDirect },
        ],
      };
    } finally {
      kubectl?.kill('SIGTERM');
      srv.close();
      await c.core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  },
};
