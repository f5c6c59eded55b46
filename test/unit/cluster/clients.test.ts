import net from 'node:net';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_HOST,
  LatencyRecorder,
  decodeAnswer,
  encodeTcpQuery,
  percentile,
  podForBrokerHost,
  queryTcp,
  resolveA,
  summarize,
} from '../../../helpers/clients/index.js';

describe('latency math', () => {
  it('percentiles are nearest-rank: always one of the samples', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5);
    expect(percentile(s, 95)).toBe(10);
    expect(percentile(s, 90)).toBe(9);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile(s, 100)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([10, 1, 5], 50)).toBe(5); // unsorted input
    expect(() => percentile([], 50)).toThrow(/empty sample/);
    expect(() => percentile([1], 101)).toThrow(/within 0\.\.100/);
  });
  it('summary', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({
      samples: 4,
      minMs: 1,
      maxMs: 4,
      avgMs: 2.5,
      p50Ms: 2,
      p95Ms: 4,
    });
  });
  it('recorder times async work', async () => {
    const r = new LatencyRecorder();
    await r.time(() => new Promise((res) => setTimeout(res, 20)));
    expect(r.samples).toHaveLength(1);
    expect(r.samples[0]).toBeGreaterThanOrEqual(15);
  });
});

describe('kafka broker address -> pod', () => {
  it('Strimzi advertised names map to the broker pod and namespace', () => {
    expect(podForBrokerHost('shared-kafka-kafka-0.shared-kafka-kafka-brokers.kafka.svc', 'x')).toEqual({
      namespace: 'kafka',
      name: 'shared-kafka-kafka-0',
    });
    expect(
      podForBrokerHost('kafka-cluster-kafka-2.kafka-cluster-kafka-brokers.messaging.svc.cluster.local', 'x'),
    ).toEqual({
      namespace: 'messaging',
      name: 'kafka-cluster-kafka-2',
    });
    expect(podForBrokerHost('broker-1', 'messaging')).toEqual({ namespace: 'messaging', name: 'broker-1' });
    expect(podForBrokerHost('broker-1.brokers', 'messaging')).toEqual({
      namespace: 'messaging',
      name: 'broker-1',
    });
  });
  it('an IP address names no pod', () => {
    expect(() => podForBrokerHost('10.244.1.7', 'kafka')).toThrow(/names no pod/);
  });
  it('the bootstrap host is never resolvable', () => {
    expect(BOOTSTRAP_HOST.endsWith('.invalid')).toBe(true);
  });
});

describe('DNS over TCP (dns2 codec, against dns2 own TCP server on loopback)', () => {
  const require = createRequire(import.meta.url);
  const DNS = require('dns2') as {
    Packet: {
      TYPE: Record<string, number>;
      CLASS: Record<string, number>;
      createResponseFromRequest(r: unknown): { answers: unknown[]; header: { rcode: number } };
    };
    createTCPServer(
      h: (req: { questions: { name: string }[] }, send: (r: unknown) => void) => void,
    ): net.Server;
  };

  it('encodes a query the server parses, and decodes its answer', async () => {
    const q = encodeTcpQuery('kubernetes.default.svc.cluster.local', 'A', 42);
    expect(q.readUInt16BE(0)).toBe(q.length - 2);
    const server = DNS.createTCPServer((req, send) => {
      const res = DNS.Packet.createResponseFromRequest(req);
      const name = req.questions[0]!.name;
      if (name === 'missing.example') res.header.rcode = 3;
      else
        res.answers.push({
          name,
          type: DNS.Packet.TYPE.A,
          class: DNS.Packet.CLASS.IN,
          ttl: 30,
          address: '10.245.0.1',
        });
      send(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const ok = await queryTcp('127.0.0.1', port, 'kubernetes.default.svc.cluster.local', 'A', 2000);
      expect(ok.rcode).toBe('NOERROR');
      expect(ok.answers).toEqual([
        { name: 'kubernetes.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.245.0.1' },
      ]);
      expect(ok.ms).toBeGreaterThan(0);
      const nx = await queryTcp('127.0.0.1', port, 'missing.example', 'A', 2000);
      expect(nx.rcode).toBe('NXDOMAIN');
      expect(nx.answers).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('a silent server times out with the name (and for queryTcp the address) in the message', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = Date.now();
    await expect(queryTcp('127.0.0.1', port, 'x.example', 'A', 300)).rejects.toThrow(
      `DNS A x.example via 127.0.0.1:${port}: no answer within 300 ms`,
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    await expect(resolveA('127.0.0.1', port, 'x.example', 1, 300)).rejects.toThrow(
      'DNS query for x.example timed out after 300 ms',
    );
    held.forEach((s) => s.destroy());
    silent.close();
  });

  it('resolveA: one connection, a warm-up query, then one round trip per sample; the last A answers', async () => {
    // dns2's own TCP server closes after one answer; this one keeps the connection (RFC 7766)
    const { Packet } = require('dns2') as {
      Packet: {
        parse(b: Buffer): { header: { id: number }; questions: { name: string }[] };
        createResponseFromRequest(r: unknown): { answers: unknown[]; toBuffer(): Buffer };
        TYPE: Record<string, number>;
        CLASS: Record<string, number>;
      };
    };
    const ids: number[] = [];
    let connections = 0;
    const server = net.createServer((sock) => {
      connections++;
      let buf = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const req = Packet.parse(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
          ids.push(req.header.id);
          const res = Packet.createResponseFromRequest(req);
          res.answers.push({
            name: req.questions[0]!.name,
            type: Packet.TYPE.A,
            class: Packet.CLASS.IN,
            ttl: 30,
            address: '10.245.0.10',
          });
          const msg = res.toBuffer();
          const len = Buffer.alloc(2);
          len.writeUInt16BE(msg.length);
          sock.write(Buffer.concat([len, msg]));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await resolveA('127.0.0.1', port, 'kubernetes.default.svc.cluster.local', 3, 2000);
      expect(r.answers).toEqual(['10.245.0.10']);
      expect(r.samplesMs).toHaveLength(3);
      expect(ids).toEqual([65_001, 1, 2, 3]);
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('decodeAnswer rejects garbage', () => {
    expect(() => decodeAnswer(Buffer.from([1]))).toThrow();
  });
});
