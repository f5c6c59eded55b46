/**
 * The lab's Schema Registry (a documented lab simulation of Confluent's REST API; see
 * schema-registry/LabSchemaRegistry.java): a small JVM whose compatibility decisions come from
 * Apache Avro's SchemaCompatibility, every change journaled to Kafka's `_schemas` topic (so it
 * starts after Kafka). One process backs both schema-registry pods.
 */
import path from 'node:path';
import fs from 'node:fs';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';
import { deleteLabTopics } from './kafka-topics.js';

const JAVA = process.env.PV_LAB_JAVA || 'java';

/**
 * The store topic of another environment: what `schema-registry-wrong-topic` points the registry
 * at (its SCHEMA_REGISTRY_KAFKASTORE_TOPIC set to a copy-pasted value). Registration still works;
 * only `_schemas` stops receiving the records (AC6.6).
 */
export const MISCONFIGURED_STORE_TOPIC = '_schemas-staging';

export async function startSchemaRegistry(
  ctx: ServicesContext,
  opts: { kafkastoreTopic?: string } = {},
): Promise<void> {
  const a = serviceArtifacts(ctx.paths.cache);
  requireBuilt(a.schemaRegistryDir, 'the schema registry (Avro jars)');
  requireBuilt(a.schemaRegistryClasses, 'the schema registry (compiled LabSchemaRegistry)');
  const port = servicePorts().schemaRegistry;
  const dir = serviceDir(ctx, 'schema-registry');
  fs.mkdirSync(dir, { recursive: true });
  await ctx.procs.start({
    name: procName('schema-registry'),
    command: JAVA,
    args: [
      '-Xms16m',
      '-Xmx96m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:ReservedCodeCacheSize=16m',
      '-Xss512k',
      '-cp',
      `${path.join(a.schemaRegistryLibs, '*')}:${a.schemaRegistryClasses}`,
      'LabSchemaRegistry',
      String(port),
      path.join(dir, 'state.json'),
      // the REPLICATION listeners advertise 127.0.0.1, so a host-side client can use them
      servicePorts()
        .kafkaReplication.map((p) => `127.0.0.1:${p}`)
        .join(','),
    ],
    ...(opts.kafkastoreTopic
      ? { env: { ...(ctx.env ?? process.env), SCHEMA_REGISTRY_KAFKASTORE_TOPIC: opts.kafkastoreTopic } }
      : {}),
    ports: [port],
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${port}/subjects`, [200], 2_000)).ok,
    readyTimeoutMs: 60_000,
  });
}

export async function stopSchemaRegistry(ctx: ServicesContext): Promise<void> {
  await ctx.procs.stop(procName('schema-registry'), 5_000);
}

/**
 * The `schema-registry-wrong-topic` fault: restart the registry on MISCONFIGURED_STORE_TOPIC, or
 * back on `_schemas` and delete the other topic (it held only what was registered meanwhile).
 */
export async function setSchemaRegistryTopic(ctx: ServicesContext, misconfigured: boolean): Promise<void> {
  await stopSchemaRegistry(ctx);
  await startSchemaRegistry(ctx, misconfigured ? { kafkastoreTopic: MISCONFIGURED_STORE_TOPIC } : {});
  if (!misconfigured) await deleteLabTopics([MISCONFIGURED_STORE_TOPIC]);
}
