/**
 * Lab simulation of the Hubble relay's gRPC API (documented as simulated in lab/sim/README.md):
 * an HTTP/2 cleartext gRPC server that answers `observer.Observer/ServerStatus` with a real
 * protobuf-encoded ServerStatusResponse (cilium/api/v1/observer/observer.proto) and
 * `grpc.health.v1.Health/Check` with SERVING; every other method gets UNIMPLEMENTED.
 * One listener per cluster, bound on 127.0.0.1; the hubble-relay pods' port 4245 routes to it.
 */
import http2 from 'node:http2';

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const field = {
  varint: (no: number, v: number | bigint) => [...varint((no << 3) | 0), ...varint(v)],
  bytes: (no: number, b: number[] | Buffer) => [...varint((no << 3) | 2), ...varint(b.length), ...b],
  double: (no: number, v: number) => {
    const buf = Buffer.alloc(8);
    buf.writeDoubleLE(v);
    return [...varint((no << 3) | 1), ...buf];
  },
};

/** ServerStatusResponse of a relay connected to every node of the cluster. */
export function serverStatusMessage(nodes: number, startedAt: number): Buffer {
  const uptimeNs = BigInt(Date.now() - startedAt) * 1_000_000n;
  return Buffer.from([
    ...field.varint(1, 4095 * nodes), // num_flows
    ...field.varint(2, 4095 * nodes), // max_flows
    ...field.varint(3, 1_250_000), // seen_flows
    ...field.varint(4, uptimeNs), // uptime_ns
    ...field.bytes(5, field.varint(1, nodes)), // num_connected_nodes (UInt32Value)
    ...field.bytes(6, field.varint(1, 0)), // num_unavailable_nodes (UInt32Value) -- value 0
    ...field.bytes(8, Buffer.from('1.18.2')), // version
    ...field.double(9, 18.4), // flows_rate
  ]);
}

function frame(msg: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

export function startHubbleRelay(port: number, nodes: () => number): Promise<http2.Http2Server> {
  const startedAt = Date.now();
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    stream.on('error', () => {});
    stream.resume(); // drain the request message
    stream.on('end', () => {
      let msg: Buffer | undefined;
      if (path === '/observer.Observer/ServerStatus') msg = serverStatusMessage(nodes(), startedAt);
      else if (path === '/grpc.health.v1.Health/Check') msg = Buffer.from(field.varint(1, 1));
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
