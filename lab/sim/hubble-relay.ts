/**
 * Lab simulation of the Hubble relay's gRPC API (documented as simulated in lab/sim/README.md):
 * an HTTP/2 cleartext gRPC server that answers `observer.Observer/ServerStatus` with a
 * ServerStatusResponse encoded by Cilium's generated Go types (api/v1/observer, through the lab's
 * cilium-status program), and
 * `grpc.health.v1.Health/Check` with SERVING; every other method gets UNIMPLEMENTED.
 * One listener per cluster, bound on 127.0.0.1; the hubble-relay pods' port 4245 routes to it.
 */
import { spawn } from 'node:child_process';
import http2 from 'node:http2';

/** The relay's counters, as lab/build/services/cilium-status `relay-status` reads them. */
export interface RelayCounters {
  numFlows: number;
  maxFlows: number;
  seenFlows: number;
  uptimeNs: number;
  numConnectedNodes?: number;
  numUnavailableNodes?: number;
  unavailableNodes?: string[];
  version: string;
  flowsRate: number;
}

/** A relay connected to every one of the cluster's `nodes`. */
export function healthyRelayCounters(nodes: number, startedAt: number): RelayCounters {
  return {
    numFlows: 4095 * nodes,
    maxFlows: 4095 * nodes,
    seenFlows: 1_250_000,
    uptimeNs: (Date.now() - startedAt) * 1_000_000,
    numConnectedNodes: nodes,
    numUnavailableNodes: 0,
    version: '1.18.2',
    flowsRate: 18.4,
  };
}

/**
 * ServerStatusResponse in protobuf wire form, encoded by Cilium's own generated types
 * (api/v1/observer, through the lab's cilium-status program at `binary`).
 */
export function encodeServerStatus(binary: string, counters: RelayCounters): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['relay-status'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${binary} relay-status exited ${code}: ${err.trim()}`));
    });
    child.stdin.end(JSON.stringify(counters));
  });
}

/** grpc.health.v1.HealthCheckResponse{status: SERVING}: field 1, varint 1. */
const SERVING = Buffer.from([0x08, 0x01]);

function frame(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** `encode` turns the counters into the ServerStatusResponse bytes (encodeServerStatus on the lab). */
export function startHubbleRelay(
  port: number,
  nodes: () => number,
  encode: (c: RelayCounters) => Promise<Buffer>,
): Promise<http2.Http2Server> {
  const startedAt = Date.now();
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    stream.on('error', () => {});
    stream.resume(); // drain the request message
    stream.on('end', async () => {
      let msg: Buffer | undefined;
      try {
        if (path === '/observer.Observer/ServerStatus')
          msg = await encode(healthyRelayCounters(nodes(), startedAt));
        else if (path === '/grpc.health.v1.Health/Check') msg = SERVING;
      } catch (e) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '13',
            'grpc-message': (e as Error).message,
          },
          { endStream: true },
        );
        return;
      }
      if (!msg) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '12',
            'grpc-message': `unknown method ${path}`,
          },
          { endStream: true },
        );
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(frame(msg));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
