// The Hubble relay probe (helpers/probes/hubble.ts) against a real HTTP/2 gRPC server on loopback
// answering observer.ServerStatusResponse bytes built here from the upstream field numbers
// (cilium api/v1/observer/observer.proto: num_flows 1, max_flows 2, seen_flows 3, uptime_ns 4,
// num_connected_nodes 5 and num_unavailable_nodes 6 as google.protobuf.UInt32Value,
// unavailable_nodes 7 repeated string, version 8, flows_rate 9 double). The old check asserted
// only HTTP 200 and grpc-status 0, which a relay with zero connected nodes also answers.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { decodeServerStatus, relayServerStatus } from '../../../helpers/probes/hubble.js';
import { fakeEvidence } from './fake-run.js';

let target = { host: '127.0.0.1', port: 0 };
vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn(target),
}));

const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return out;
};
const vfield = (no: number, v: number) => [...varint(no << 3), ...varint(v)];
const bfield = (no: number, b: number[]) => [...varint((no << 3) | 2), ...varint(b.length), ...b];
const str = (s: string) => [...Buffer.from(s)];
const dbl = (no: number, v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...varint((no << 3) | 1), ...b];
};
function status(o: { connected?: number; unavailable?: string[]; flows?: number }): Buffer {
  return Buffer.from([
    ...vfield(1, o.flows ?? 8190),
    ...vfield(2, 12285),
    ...vfield(3, 1_250_000),
    ...vfield(4, 3_600_000_000),
    ...(o.connected === undefined ? [] : bfield(5, o.connected ? vfield(1, o.connected) : [])),
    ...bfield(6, o.unavailable?.length ? vfield(1, o.unavailable.length) : []),
    ...(o.unavailable ?? []).flatMap((n) => bfield(7, str(n))),
    ...bfield(8, str('1.18.2')),
    ...dbl(9, 18.4),
  ]);
}

let server: http2.Http2Server | undefined;
async function relay(message: Buffer): Promise<void> {
  server = http2.createServer();
  server.on('stream', (stream) => {
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const head = Buffer.alloc(5);
      head.writeUInt32BE(message.length, 1);
      stream.end(Buffer.concat([head, message]));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}
afterEach(() => server?.close());

const facts = () => structuredClone(factsDefaults('infra')) as Facts;
const k = {
  name: 'infra',
  core: { listNode: async () => ({ items: [{}, {}, {}] }) },
} as unknown as ClusterHandle;

describe('relayServerStatus', () => {
  it('passes with every node connected, recording num_flows and the node counts', async () => {
    await relay(status({ connected: 3 }));
    const { evidence, attached } = fakeEvidence();
    const r = await relayServerStatus(k, facts(), evidence);
    expect(r.reply.grpcStatus).toBe('0');
    expect(r.problems).toEqual([]);
    expect(attached['hubble-server-status-decoded']).toMatchObject({
      numFlows: 8190,
      maxFlows: 12285,
      numConnectedNodes: 3,
      numUnavailableNodes: 0,
      version: '1.18.2',
      flowsRate: 18.4,
    });
  });
  it('NET-HUBBLE-001 fails on a grpc-status 0 reply with zero connected nodes (the old false green)', async () => {
    await relay(status({ connected: 0 }));
    const r = await relayServerStatus(k, facts(), fakeEvidence().evidence);
    expect(r.reply.httpStatus).toBe(200);
    expect(r.reply.grpcStatus).toBe('0'); // all the old check asserted
    expect(r.problems).toEqual(['0 connected nodes']);
  });
  it('names the unavailable nodes, and fails a reply without num_connected_nodes', async () => {
    await relay(status({ connected: 2, unavailable: ['infra/infra-cp-3'] }));
    expect((await relayServerStatus(k, facts(), fakeEvidence().evidence)).problems).toEqual([
      '2 of 3 nodes connected',
      '1 unavailable nodes: infra/infra-cp-3',
    ]);
    server!.close();
    await relay(status({}));
    expect((await relayServerStatus(k, facts(), fakeEvidence().evidence)).problems).toEqual([
      'no num_connected_nodes in ServerStatusResponse',
    ]);
  });
  it('NET-HUBBLE-001 fails naming how many of the cluster’s nodes are connected, and a relay that holds no flow', async () => {
    await relay(status({ connected: 2, flows: 0 }));
    expect((await relayServerStatus(k, facts(), fakeEvidence().evidence)).problems).toEqual([
      '2 of 3 nodes connected',
      '0 flows in the relay (num_flows 0: no flow observed)',
    ]);
  });
  it('reports an undecodable message as the problem', async () => {
    await relay(Buffer.from([0x08]));
    expect((await relayServerStatus(k, facts(), fakeEvidence().evidence)).problems).toEqual([
      'ServerStatusResponse: truncated varint',
    ]);
    expect(() => decodeServerStatus(Buffer.from([0x42, 0x05, 0x31]))).toThrow(/truncated field/);
  });
});
