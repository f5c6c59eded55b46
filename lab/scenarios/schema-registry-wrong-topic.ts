import type { Scenario } from './types.js';

/** The Schema Registry writes its schemas to another environment's store topic, not `_schemas`. */
export const schemaRegistryWrongTopic: Scenario = {
  name: 'schema-registry-wrong-topic',
  summary:
    "apps: the Schema Registry restarts with SCHEMA_REGISTRY_KAFKASTORE_TOPIC=_schemas-staging (a value copied from another environment's values); it still registers and serves schemas, but `_schemas` receives nothing",
  expect:
    'apps: MSG-SR-003 fails naming `_schemas` and the run subject it never received; registration, compatibility, replicas and every Kafka check still pass',
  faults: {},
  services: { faults: ['schema-registry-wrong-topic'] },
};
