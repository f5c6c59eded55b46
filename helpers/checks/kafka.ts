/**
 * Kafka from outside the cluster: one tunnel per broker pod, and a kafkajs `socketFactory` that
 * sends each broker address from the metadata (e.g. kafka-cluster-kafka-1.kafka-cluster-kafka-brokers
 * .messaging.svc:9092) to the tunnel of the pod named by its first DNS label.
 */
import net from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import type { Facts } from '../config/facts.js';
import { listPods, podReady, type ClusterHandle } from './k8s.js';
import { openTunnel, type Tunnel } from './tunnel.js';

export interface KafkaAccess {
  kafka: Kafka;
  brokers: { pod: string; tunnel: string }[];
  close(): Promise<void>;
}

export async function kafkaAccess(
  cluster: ClusterHandle,
  facts: Facts,
  clientId: string,
): Promise<KafkaAccess> {
  const k = facts.kafka;
  const pods = (await listPods(cluster, k.namespace, k.brokerSelector)).filter(podReady);
  if (pods.length === 0) throw new Error(`no Ready broker pod in ${k.namespace} (${k.brokerSelector})`);
  const tunnels = new Map<string, Tunnel>();
  try {
    for (const p of pods) {
      const name = p.metadata!.name!;
      tunnels.set(
        name,
        await openTunnel(cluster, { kind: 'Pod', namespace: k.namespace, name, port: k.brokerPort }),
      );
    }
  } catch (e) {
    for (const t of tunnels.values()) await t.close();
    throw e;
  }
  const socketFactory: ISocketFactory = ({ host, onConnect }) => {
    const pod = host.split('.')[0] ?? host;
    const t = tunnels.get(pod);
    if (!t) {
      const s = new net.Socket();
      process.nextTick(() =>
        s.destroy(
          new Error(
            `broker address ${host} from metadata matches no Ready broker pod (${[...tunnels.keys()].join(', ')})`,
          ),
        ),
      );
      return s;
    }
    return net.connect({ host: t.host, port: t.port }, onConnect);
  };
  const first = [...tunnels.keys()][0]!;
  const kafka = new Kafka({
    clientId,
    // the bootstrap address is a pod name, so it goes through the same mapping
    brokers: [`${first}:${k.brokerPort}`],
    socketFactory,
    connectionTimeout: 10_000,
    requestTimeout: 15_000,
    retry: { retries: 3, initialRetryTime: 300 },
    logLevel: logLevel.NOTHING,
  });
  return {
    kafka,
    brokers: [...tunnels.entries()].map(([pod, t]) => ({ pod, tunnel: `${t.host}:${t.port}` })),
    async close() {
      for (const t of tunnels.values()) await t.close();
    },
  };
}
