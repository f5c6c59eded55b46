// REG-HARBOR-003 (AC9.4): harbor-core's ConfigMap must name the CNPG pooler as its database.
import { describe, expect, it } from 'vitest';
import { databaseNotPooler } from '../../../helpers/probes/harbor.js';

const pooler = { name: 'harbor-pooler-rw', port: 5432, database: 'registry' };
const external = {
  DATABASE_TYPE: 'postgresql',
  POSTGRESQL_HOST: 'harbor-pooler-rw.cnpg-system',
  POSTGRESQL_PORT: '5432',
  POSTGRESQL_DATABASE: 'registry',
};

describe('REG-HARBOR-003: Harbor on the external PostgreSQL', () => {
  it('passes with the pooler named with its namespace, .svc or any cluster domain', () => {
    for (const host of [
      'harbor-pooler-rw.cnpg-system',
      'harbor-pooler-rw.cnpg-system.svc',
      'harbor-pooler-rw.cnpg-system.svc.cluster.local.',
      'harbor-pooler-rw.cnpg-system.svc.k8s.example.internal',
    ]) {
      expect(
        databaseNotPooler({ ...external, POSTGRESQL_HOST: host }, pooler, 'cnpg-system', 'harbor'),
      ).toEqual([]);
    }
  });

  it("REG-HARBOR-003 fails on the bare pooler name from another namespace (it resolves in harbor-core's own)", () => {
    // harbor-core in `harbor` resolving `harbor-pooler-rw` asks for harbor/harbor-pooler-rw, not the pooler
    expect(
      databaseNotPooler(
        { ...external, POSTGRESQL_HOST: 'harbor-pooler-rw' },
        pooler,
        'cnpg-system',
        'harbor',
      ),
    ).toEqual(['POSTGRESQL_HOST is "harbor-pooler-rw", expected the pooler harbor-pooler-rw.cnpg-system']);
    expect(
      databaseNotPooler(
        { ...external, POSTGRESQL_HOST: 'harbor-pooler-rw' },
        pooler,
        'cnpg-system',
        'cnpg-system',
      ),
    ).toEqual([]);
  });

  it('REG-HARBOR-003 fails naming the internal database host and each other setting seen', () => {
    expect(
      databaseNotPooler(
        { ...external, POSTGRESQL_HOST: 'harbor-database', POSTGRESQL_PORT: '5433' },
        pooler,
        'cnpg-system',
        'harbor',
      ),
    ).toEqual([
      'POSTGRESQL_HOST is "harbor-database", expected the pooler harbor-pooler-rw.cnpg-system',
      'POSTGRESQL_PORT is "5433", expected "5432"',
    ]);
    // the pooler of another namespace is not this one
    expect(
      databaseNotPooler(
        { ...external, POSTGRESQL_HOST: 'harbor-pooler-rw.other' },
        pooler,
        'cnpg-system',
        'harbor',
      ),
    ).toHaveLength(1);
    expect(databaseNotPooler(undefined, pooler, 'cnpg-system', 'harbor')).toEqual([
      'no data in the ConfigMap',
    ]);
    expect(databaseNotPooler({}, pooler, 'cnpg-system', 'harbor')[0]).toBe(
      'DATABASE_TYPE is "(unset)", expected "postgresql"',
    );
  });
});
