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
  summarize,
} from '../../../helpers/clients/index.js';

describe('latency math', () => {
  it('percentiles interpolate between ranks (numpy default)', () => {
    const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(s, 50)).toBe(5.5);
    expect(percentile(s, 95)).toBeCloseTo(9.55, 10);
    expect(percentile(s, 0)).toBe(1);
    expect(percentile(s, 100)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([10, 1, 5], 50)).toBe(5); // unsorted input
    expect(() => percentile([], 50)).toThrow(/no samples/);
    expect(() => percentile([1], 101)).toThrow(/outside/);
  });
  it('summary', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({
      count: 4,
      min: 1,
      max: 4,
      mean: 2.5,
      p50: 2.5,
      p95: 3.85,
      p99: 3.97,
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

  it('a silent server times out with the name and address in the message', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = Date.now();
    await expect(queryTcp('127.0.0.1', port, 'x.example', 'A', 300)).rejects.toThrow(
      `DNS A x.example via 127.0.0.1:${port}: no answer within 300 ms`,
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    held.forEach((s) => s.destroy());
    silent.close();
  });

  it('decodeAnswer rejects garbage', () => {
    expect(() => decodeAnswer(Buffer.from([1]))).toThrow();
  });
});
