// Kafka from outside the cluster. Brokers advertise in-cluster names (Strimzi:
// `<cluster>-<pool>-<n>.<cluster>-kafka-brokers.<ns>.svc:9092`), which do not resolve here. kafkajs'
// socketFactory maps each broker address to a tunnel to that broker's pod, so produce and consume go
// to the right broker (partition leaders), as they would in the cluster.
import net from 'node:net';
import type { Kafka, logLevel, KafkaConfig, ISocketFactory } from 'kafkajs';
import { lazy } from '../lazy.js';

export const kafkajs = lazy<typeof import('kafkajs')>('kafkajs');
import type { ClusterHandle } from '../cluster/handle.js';
import { registerSecret } from '../evidence/redact.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelKind } from '../tunnel/resolve.js';

export interface PodRef {
  namespace: string;
  name: string;
}

export interface KafkaClientOptions {
  namespace: string;
  /** Where to bootstrap: usually the bootstrap Service (`<cluster>-kafka-bootstrap`, port 9092). */
  bootstrap: { kind: TunnelKind; name: string; port: number | string; namespace?: string };
  /** Broker host (from metadata) -> its pod. Default: podForBrokerHost. */
  brokerPods?: (host: string, port: number) => PodRef;
  clientId?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  sasl?: KafkaConfig['sasl'];
  logLevel?: logLevel;
}

/** Synthetic host of the bootstrap connection (never resolved: the socket factory intercepts it). */
export const BOOTSTRAP_HOST = 'pv-kafka-bootstrap.invalid';

/**
 * `<pod>.<headless service>.<namespace>.svc[.cluster.local]` -> { namespace, name: <pod> }.
 * A bare `<pod>` or `<pod>.<service>` uses `defaultNamespace`.
 */
export function podForBrokerHost(host: string, defaultNamespace: string): PodRef {
  const labels = host.replace(/\.$/, '').split('.');
  const name = labels[0];
  if (!name || net.isIP(host)) {
    throw new Error(`kafka broker address "${host}" names no pod (expected <pod>.<service>.<namespace>.svc)`);
  }
  const svcAt = labels.indexOf('svc');
  const namespace = svcAt >= 2 ? labels[svcAt - 1]! : labels.length >= 3 ? labels[2]! : defaultNamespace;
  return { namespace, name };
}

export interface KafkaSession {
  kafka: Kafka;
  /** tunnels by `host:port` (the bootstrap under BOOTSTRAP_HOST) */
  tunnels: Map<string, Promise<Tunnel>>;
  close(): Promise<void>;
}

/** The credentials of a kafkajs SASL option (plain/scram password, AWS secret and session token). */
export function registerSaslSecrets(sasl: KafkaConfig['sasl']): void {
  if (!sasl || typeof sasl !== 'object') return;
  const s = sasl as unknown as Record<string, unknown>;
  for (const k of ['password', 'secretAccessKey', 'sessionToken']) {
    if (typeof s[k] === 'string') registerSecret(s[k]);
  }
}

export function kafkaClient(cluster: ClusterHandle, o: KafkaClientOptions): KafkaSession {
  registerSaslSecrets(o.sasl);
  const tunnels = new Map<string, Promise<Tunnel>>();
  const mapPod = o.brokerPods ?? ((host: string) => podForBrokerHost(host, o.namespace));
  const tunnelFor = (host: string, port: number): Promise<Tunnel> => {
    const key = `${host}:${port}`;
    let t = tunnels.get(key);
    if (!t) {
      if (host === BOOTSTRAP_HOST) {
        t = openTunnel(cluster, { ...o.bootstrap, namespace: o.bootstrap.namespace ?? o.namespace });
      } else {
        const pod = mapPod(host, port);
        t = openTunnel(cluster, { kind: 'Pod', namespace: pod.namespace, name: pod.name, port });
      }
      tunnels.set(key, t);
      t.catch(() => tunnels.delete(key)); // a later connection may try again
    }
    return t;
  };

  const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const sock = new net.Socket();
    if (ssl) {
      process.nextTick(() => sock.destroy(new Error('TLS listeners are not supported through tunnels yet')));
      return sock;
    }
    tunnelFor(host, port).then(
      (t) => {
        if (!sock.destroyed) sock.connect(t.port, t.host, onConnect);
      },
      (err: unknown) => sock.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return sock;
  };

  const kafka = new (kafkajs().Kafka)({
    clientId: o.clientId ?? 'platform-validation',
    brokers: [`${BOOTSTRAP_HOST}:${Number(o.bootstrap.port) || 9092}`],
    socketFactory,
    connectionTimeout: o.connectionTimeoutMs ?? 15_000,
    requestTimeout: o.requestTimeoutMs ?? 30_000,
    retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 3000 },
    sasl: o.sasl,
    logLevel: o.logLevel ?? kafkajs().logLevel.NOTHING,
  });

  return {
    kafka,
    tunnels,
    async close() {
      const all = await Promise.allSettled([...tunnels.values()]);
      await Promise.allSettled(all.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
      tunnels.clear();
    },
  };
}
