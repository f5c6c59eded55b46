/**
 * Apache Kafka in KRaft mode for the Strimzi cluster `kafka-cluster` (namespace messaging):
 * three real brokers from Maven Central jars. Node 0 is broker+controller (the whole KRaft
 * quorum), nodes 1-2 are brokers. Listeners, all on 127.0.0.1:
 * - CLIENT: advertised as Strimzi does, `<pod>.kafka-cluster-kafka-brokers.messaging.svc:9092`.
 *   That name does not resolve on the host: clients reach each broker through a per-broker
 *   tunnel (kafkajs socketFactory) to the pod, which KWOK forwards to this listener.
 * - REPLICATION: inter-broker traffic, advertised as 127.0.0.1:<port>.
 * - CONTROLLER: the KRaft quorum on node 0.
 * Heap 256 MiB per broker (the lab must stay under 4 GiB in total).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import { KAFKA, kafkaAdvertisedHost } from './catalogue.js';
import { servicePorts } from './ports.js';
import { probeKafka } from './probes.js';
import { procName, runToEnd, serviceDir, type ServicesContext } from './runtime.js';

const JAVA = process.env.PV_LAB_JAVA || 'java';

/** advertised `<pod host>:9092` -> local client port, for kafkajs socketFactory */
export function kafkaRoutes(): Map<string, number> {
  const p = servicePorts();
  return new Map(
    Array.from(
      { length: KAFKA.brokers },
      (_, i) => [`${kafkaAdvertisedHost(i)}:${KAFKA.port}`, p.kafkaClient[i]!] as const,
    ),
  );
}

const JVM_OPTS = [
  '-Xms64m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:MaxMetaspaceSize=160m',
  '-XX:ReservedCodeCacheSize=48m',
  '-XX:MaxDirectMemorySize=64m',
  '-XX:TieredStopAtLevel=1',
  '-Xss512k',
  '-Djava.awt.headless=true',
];

function clusterId(ctx: ServicesContext): string {
  const file = path.join(serviceDir(ctx, 'kafka'), 'cluster-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    // KRaft cluster ids are 16 random bytes, base64url without padding; like Uuid.randomUuid(), draw
    // again when the id starts with '-', which a command line would read as an option
    let id = randomBytes(16).toString('base64url');
    while (id.startsWith('-')) id = randomBytes(16).toString('base64url');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${id}\n`);
    return id;
  }
}

function properties(ctx: ServicesContext, i: number): string {
  const p = servicePorts();
  const dir = serviceDir(ctx, `kafka-${i}`);
  const controller = i === 0;
  const listeners = [
    `CLIENT://127.0.0.1:${p.kafkaClient[i]}`,
    `REPLICATION://127.0.0.1:${p.kafkaReplication[i]}`,
  ];
  if (controller) listeners.push(`CONTROLLER://127.0.0.1:${p.kafkaController}`);
  const props: Record<string, string | number | boolean> = {
    'process.roles': controller ? 'broker,controller' : 'broker',
    'node.id': i,
    'controller.quorum.voters': `0@127.0.0.1:${p.kafkaController}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: listeners.join(','),
    'advertised.listeners': `CLIENT://${kafkaAdvertisedHost(i)}:${KAFKA.port},REPLICATION://127.0.0.1:${p.kafkaReplication[i]}`,
    'listener.security.protocol.map': 'CLIENT:PLAINTEXT,REPLICATION:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'REPLICATION',
    'log.dirs': path.join(dir, 'data'),
    'num.partitions': 3,
    'default.replication.factor': 3,
    'min.insync.replicas': 2,
    'offsets.topic.replication.factor': 3,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
    'auto.create.topics.enable': true,
    'group.initial.rebalance.delay.ms': 0,
    'log.retention.hours': 24,
    'log.segment.bytes': 16 * 1024 * 1024,
    // small thread pools and buffers: 3 brokers share 2 cores and a 4 GiB lab budget
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 4 * 1024 * 1024,
    'log.cleaner.io.buffer.size': 64 * 1024,
    'socket.send.buffer.bytes': 102400,
    'socket.receive.buffer.bytes': 102400,
    'queued.max.requests': 100,
  };
  return `# written by lab/services/kafka.ts\n${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.common.config=WARN
`;

function classpath(ctx: ServicesContext): string {
  const a = serviceArtifacts(ctx.paths.cache);
  requireBuilt(a.kafkaDir, 'Apache Kafka');
  return path.join(a.kafkaLibs, '*');
}

/** Write config and format the storage of node i (first start only). */
async function prepare(ctx: ServicesContext, i: number): Promise<{ props: string; log4j: string }> {
  const dir = serviceDir(ctx, `kafka-${i}`);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, properties(ctx, i));
  const log4j = path.join(dir, 'log4j.properties');
  fs.writeFileSync(log4j, LOG4J);
  if (!fs.existsSync(path.join(dir, 'data', 'meta.properties'))) {
    await runToEnd(
      JAVA,
      [
        '-Xmx128m',
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j.configuration=file:${log4j}`,
        '-cp',
        classpath(ctx),
        'kafka.tools.StorageTool',
        'format',
        // '=' form: an id kept from an older lab may still start with '-'
        `--cluster-id=${clusterId(ctx)}`,
        '-c',
        props,
        '--ignore-formatted',
      ],
      { timeoutMs: 120_000 },
    );
  }
  return { props, log4j };
}

export async function startKafkaBroker(ctx: ServicesContext, i: number): Promise<void> {
  const p = servicePorts();
  const { props, log4j } = await prepare(ctx, i);
  const dir = serviceDir(ctx, `kafka-${i}`);
  const routes = kafkaRoutes();
  const port = p.kafkaClient[i]!;
  await ctx.procs.start({
    name: procName(`kafka-${i}`),
    command: JAVA,
    args: [
      ...JVM_OPTS,
      `-Dlog4j.configuration=file:${log4j}`,
      `-Dkafka.logs.dir=${path.join(dir, 'logs')}`,
      '-cp',
      classpath(ctx),
      'kafka.Kafka',
      props,
    ],
    ports: i === 0 ? [port, p.kafkaReplication[i]!, p.kafkaController] : [port, p.kafkaReplication[i]!],
    group: 'services',
    // ready when this broker answers metadata and lists itself as registered
    ready: async () => {
      const r = await probeKafka(port, routes, 4_000);
      return r.ok && new RegExp(`brokers=([0-9,]*,)?${i}(,|\\s|$)`).test(r.detail);
    },
    readyTimeoutMs: 120_000,
  });
}

/** SIGTERM = controlled shutdown (leadership moves to the other brokers first). */
export async function stopKafkaBroker(ctx: ServicesContext, i: number): Promise<void> {
  await ctx.procs.stop(procName(`kafka-${i}`), 20_000);
}

export async function startKafka(ctx: ServicesContext): Promise<void> {
  await Promise.all(Array.from({ length: KAFKA.brokers }, (_, i) => startKafkaBroker(ctx, i)));
}

/** Brokers first, the controller node last (so the others can shut down in a controlled way). */
export async function stopKafka(ctx: ServicesContext): Promise<void> {
  await Promise.all(Array.from({ length: KAFKA.brokers - 1 }, (_, i) => stopKafkaBroker(ctx, i + 1)));
  await stopKafkaBroker(ctx, 0);
}
