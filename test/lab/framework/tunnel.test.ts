// Tunnels against the real lab: real apiserver, real KWOK port-forward, real sockets.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type ClusterHandle } from '../../../helpers/cluster/index.js';
import { createRoutedPod } from '../../../lab/core/routed-pod.js';
import { closeAllTunnels, openTunnel, openTunnelCount } from '../../../helpers/tunnel/index.js';
import { cleanupRun, ensureRunNamespace, newRunId } from '../../../helpers/run/index.js';
import { deployEchoWorkloads, getOnce, labCluster, noUnhandled, waitUntilServed } from './lab.js';

const runId = newRunId();
let c: ClusterHandle;
let ns: string;

beforeAll(async () => {
  c = await labCluster('apps');
  ns = await ensureRunNamespace(c, runId);
  await deployEchoWorkloads(c, ns);
}, 180_000);

afterAll(async () => {
  await closeAllTunnels();
  if (c) await cleanupRun(c, runId);
});

async function deploymentPods(): Promise<string[]> {
  const l = await c.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=echo' });
  return l.items.map((p) => p.metadata!.name!);
}

describe('tunnel targets', () => {
  it('Pod: HTTP round trip reaches that pod', async () => {
    const t = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 });
    try {
      expect(t.host).toBe('127.0.0.1');
      expect(t.target).toEqual({ namespace: ns, pod: 'echo-pod', port: 8080 });
      const r = await getOnce(t.port, '/hostname');
      expect(r).toEqual({ status: 200, body: 'echo-pod' });
      expect(t.stats.connections).toBe(1);
      expect(t.stats.warmUsed).toBe(1); // the proof stream served the first connection
      expect(t.stats.bytesFromRemote).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('Service by port name: selector -> ready pod, named targetPort -> container port', async () => {
    const t = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    try {
      expect(t.target.port).toBe(8080);
      const pods = await deploymentPods();
      expect(pods).toContain(t.target.pod);
      const r = await getOnce(t.port, '/hostname');
      expect(r.body).toBe(t.target.pod);
    } finally {
      await t.close();
    }
  });

  it('Service by port number', async () => {
    const t = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 80 });
    try {
      expect((await getOnce(t.port, '/echo?msg=hello')).body).toBe('hello');
    } finally {
      await t.close();
    }
  });

  it('Deployment (named container port) and StatefulSet (number)', async () => {
    const d = await openTunnel(c, { kind: 'Deployment', namespace: ns, name: 'echo', port: 'http' });
    const s = await openTunnel(c, { kind: 'StatefulSet', namespace: ns, name: 'echo-sts', port: 8080 });
    try {
      expect(await deploymentPods()).toContain((await getOnce(d.port, '/hostname')).body);
      expect((await getOnce(s.port, '/hostname')).body).toBe('echo-sts-0');
    } finally {
      await d.close();
      await s.close();
    }
  });

  it('many connections in parallel, each its own stream', async () => {
    const t = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    try {
      const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => getOnce(t.port, `/echo?msg=m${i}`)));
      expect(rs.map((r) => r.body)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
      expect(t.stats.connections).toBe(12);
    } finally {
      await t.close();
    }
  });
});

describe('transport', () => {
  it('SPDY (default): all connections share one API-server connection, a stream pair each', async () => {
    const t = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    try {
      const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => getOnce(t.port, `/echo?msg=s${i}`)));
      expect(rs.map((r) => r.body)).toEqual(Array.from({ length: 8 }, (_, i) => `s${i}`));
      const ahead = t.stats.errorStreamsAhead ?? 0;
      for (let i = 0; i < 4; i++) expect((await getOnce(t.port, '/hostname')).body).toBe(t.target.pod);
      expect(t.stats.transport).toBe('spdy');
      expect(t.stats.sessions).toBe(1);
      expect(t.stats.connections).toBe(12);
      // one after the other, each connection finds the error stream the previous one opened ahead
      // (after its first answer from the pod, so off that connection's own setup)
      expect((t.stats.errorStreamsAhead ?? 0) - ahead).toBe(4);
    } finally {
      await t.close();
    }
  });

  it('SPDY: 8 MiB each way on one connection (above the 64 KiB SPDY window; the peer sends no WINDOW_UPDATE)', async () => {
    // a KWOK pod whose port 7000 is routed to a TCP echo server in this process
    let received = 0;
    const echo = net.createServer((s) => {
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => (received += d.length));
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      await createRoutedPod(c, {
        namespace: ns,
        name: 'raw-echo',
        routes: [{ port: 7000, target: (echo.address() as net.AddressInfo).port }],
      });
      const t = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'raw-echo', port: 7000 });
      try {
        const size = 8 * 1024 * 1024;
        const got = await new Promise<number>((resolve, reject) => {
          let n = 0;
          const s = net.connect(t.port, '127.0.0.1', () => s.write(Buffer.alloc(size, 'z')));
          const timer = setTimeout(
            () => (
              s.destroy(),
              reject(new Error(`echoed ${n} of ${size} bytes in 20 s (server read ${received})`))
            ),
            20_000,
          );
          s.on('data', (d: Buffer) => {
            n += d.length;
            if (n >= size) {
              clearTimeout(timer);
              s.destroy();
              resolve(n);
            }
          });
          s.on('error', (e) => (clearTimeout(timer), reject(e)));
        });
        expect(got).toBe(size);
        expect(received).toBe(size);
        expect(t.stats.transport).toBe('spdy');
      } finally {
        await t.close();
      }
    } finally {
      echo.close();
    }
  }, 90_000);

  it("'websocket': one port-forward websocket per connection, no SPDY connection", async () => {
    const t = await openTunnel(
      c,
      { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 },
      { transport: 'websocket' },
    );
    try {
      expect((await getOnce(t.port, '/hostname')).body).toBe('echo-pod');
      expect((await getOnce(t.port, '/echo?msg=w')).body).toBe('w');
      expect(t.stats.transport).toBe('websocket');
      expect(t.stats.sessions).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('prewarm', () => {
  it('with prewarm, each connection takes a stream opened ahead (lab Redis: fixed route, no pod churn)', async () => {
    const t = await openTunnel(
      c,
      { kind: 'Pod', namespace: 'dragonfly-system', name: 'dragonfly-0', port: 6379 },
      { prewarm: true },
    );
    try {
      for (let i = 0; i < 5; i++) {
        const line = await new Promise<string>((resolve, reject) => {
          const s = net.connect(t.port, '127.0.0.1', () => s.write('PING\r\n'));
          s.setEncoding('utf8');
          s.once('data', (d: string) => {
            s.destroy();
            resolve(d);
          });
          s.on('error', reject);
        });
        expect(line).toMatch(/^[+-]/); // +PONG, or -NOAUTH: either way Redis answered through the stream
        await new Promise((r) => setTimeout(r, 100)); // let the spare be replaced
      }
      expect(t.stats.connections).toBe(5);
      expect(t.stats.warmUsed).toBeGreaterThanOrEqual(4);
    } finally {
      await t.close();
    }
  });
});

describe('round-trip proof and resolution errors', () => {
  it('a port nothing serves: openTunnel rejects with the error channel text', async () => {
    const t0 = Date.now();
    const err = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 9999 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`tunnel to Pod ${ns}/echo-pod port 9999`);
    expect((err as Error).message).toMatch(/9999/);
    expect(openTunnelCount()).toBe(0);
  });

  it('unknown named port and missing objects are named in the error', async () => {
    await expect(
      openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'nope' }),
    ).rejects.toThrow(/Service .*\/echo .*has no port "nope" \(ports: web:80\)/);
    await expect(
      openTunnel(c, { kind: 'Deployment', namespace: ns, name: 'echo', port: 'nope' }),
    ).rejects.toThrow(/no container port named "nope" \(named ports: http\)/);
    await expect(openTunnel(c, { kind: 'Pod', namespace: ns, name: 'ghost', port: 80 })).rejects.toThrow(
      /Pod .*\/ghost does not exist/,
    );
  });

  it('a Service whose selector matches no ready pod', async () => {
    await c.core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'nobody' }, spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] } },
    });
    await expect(openTunnel(c, { kind: 'Service', namespace: ns, name: 'nobody', port: 80 })).rejects.toThrow(
      /no ready pod matches selector app=nobody/,
    );
  });
});

describe('pod replacement', () => {
  it('re-resolves to another ready pod after the served pod is deleted', async () => {
    const t = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    try {
      const first = (await getOnce(t.port, '/hostname')).body;
      expect(first).toBe(t.target.pod);
      await c.core.deleteNamespacedPod({ namespace: ns, name: first, gracePeriodSeconds: 0 });
      await waitFor(
        `pod ${first} gone`,
        async () => {
          const pods = await deploymentPods();
          return pods.includes(first) ? { done: false, seen: pods } : { done: true, value: pods };
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      // (With `prewarm`, a spare stream opened before the deletion may still reach the old pod's process
      // while it terminates; the connection after it re-resolves.) Every request succeeds.
      const { value: bodies, unhandled } = await noUnhandled(async () => {
        const seen: string[] = [];
        for (let i = 0; i < 3 && (seen.length === 0 || seen[seen.length - 1] === first); i++) {
          const r = await getOnce(t.port, '/hostname');
          expect(r.status).toBe(200);
          seen.push(r.body);
        }
        return seen;
      });
      expect(unhandled).toEqual([]);
      const second = bodies[bodies.length - 1];
      expect(second).not.toBe(first);
      expect(t.target.pod).toBe(second);
      expect(t.stats.reresolved).toBeGreaterThanOrEqual(1);
      expect(t.errors.join('\n')).toContain(first);
    } finally {
      await t.close();
    }
    await waitUntilServed(c, ns); // the replacement pod, for the tests after this one
  });
});

describe('closing', () => {
  it('the client closes mid-request: no unhandled error, the stream is released', async () => {
    const t = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 });
    const { unhandled } = await noUnhandled(async () => {
      for (let i = 0; i < 5; i++) {
        const s = net.connect(t.port, '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        // a complete keep-alive request (the server then closes on its idle timeout; with an incomplete
        // one KWOK would hold the pod-side connection until the server's header timeout)
        s.write('GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n');
        if (i % 2) s.destroy();
        else s.resetAndDestroy();
      }
      await waitFor(
        'tunnel streams released',
        () => (t.stats.active === 0 ? { done: true, value: 0 } : { done: false, seen: t.stats }),
        {
          timeoutMs: 5000,
          intervalMs: 50,
        },
      );
    });
    expect(unhandled).toEqual([]);
    expect((await getOnce(t.port, '/hostname')).body).toBe('echo-pod'); // still serving
    await t.close();
  });

  it('the remote closes (Connection: close): the client sees the end', async () => {
    // A real kubelet ends the stream when the container side closes. KWOK's tunnel waits for both
    // directions, so there the end shows once the client writes into the closed connection: keep
    // writing (bounded) until the socket closes; either way it must close, without unhandled errors.
    const t = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 });
    const { value: got, unhandled } = await noUnhandled(
      () =>
        new Promise<string>((resolve, reject) => {
          const s = net.connect(t.port, '127.0.0.1');
          let data = '';
          let pokes = 0;
          s.setEncoding('utf8');
          s.on('data', (d: string) => (data += d));
          s.on('error', () => {}); // a reset is a legitimate way for the end to show
          const poke = setInterval(() => {
            if (data.includes('echo-pod') && !s.destroyed && pokes++ < 25) s.write('x');
          }, 200);
          s.on('close', () => {
            clearInterval(poke);
            resolve(data);
          });
          s.write('GET /hostname HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
          setTimeout(() => {
            clearInterval(poke);
            reject(new Error(`no close within 8 s; got ${JSON.stringify(data)}`));
          }, 8000).unref();
        }),
    );
    expect(unhandled).toEqual([]);
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    expect(got).toContain('echo-pod');
    await waitFor(
      'stream released',
      () => (t.stats.active === 0 ? { done: true, value: 0 } : { done: false, seen: t.stats }),
      {
        timeoutMs: 5000,
        intervalMs: 50,
      },
    );
    await t.close();
  });

  it('tunnel.close() with open connections: they are destroyed, the listener is gone', async () => {
    const t = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 });
    const port = t.port;
    const { unhandled } = await noUnhandled(async () => {
      const socks = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<net.Socket>((res) => {
              const s = net.connect(port, '127.0.0.1', () => {
                s.write('GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n'); // keep-alive: the connection stays open
                s.once('data', () => res(s));
              });
              s.on('error', () => {});
            }),
        ),
      );
      const closed = socks.map((s) => new Promise((r) => s.once('close', r)));
      await t.close();
      await Promise.all(closed);
      const refused = await new Promise<string>((res) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => res('connected'));
        s.on('error', (e: NodeJS.ErrnoException) => res(e.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    });
    expect(unhandled).toEqual([]);
  });

  it('closeAllTunnels closes every open tunnel', async () => {
    const before = openTunnelCount();
    const a = await openTunnel(c, { kind: 'Pod', namespace: ns, name: 'echo-pod', port: 8080 });
    const b = await openTunnel(c, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    expect(openTunnelCount()).toBe(before + 2);
    // use them, so the proof streams end in a complete exchange
    expect((await getOnce(a.port, '/hostname')).status).toBe(200);
    expect((await getOnce(b.port, '/hostname')).status).toBe(200);
    await closeAllTunnels();
    expect(openTunnelCount()).toBe(0);
  });
});
