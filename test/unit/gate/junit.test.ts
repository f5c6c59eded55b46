// Reading JUnit: our reporter's properties, other tools' JUnit, and bad XML.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJUnit } from '../../../reports/gate/junit.js';
import { GateInputError } from '../../../reports/gate/model.js';
import { FIXTURES, NIGHTLY, tmp } from './helpers.js';

describe('readJUnit', () => {
  it('reads every testcase property of the reporter (nightly fixture, apps)', () => {
    const file = join(FIXTURES, 'evidence', NIGHTLY, 'junit-apps.xml');
    const cs = readJUnit(file, join(FIXTURES, 'evidence', NIGHTLY));
    const cnpg = cs.find((c) => c.id === 'DB-CNPG-001')!;
    expect(cnpg).toMatchObject({
      cluster: 'apps',
      priority: 'P0',
      prioritySource: 'property',
      story: 'STORY-VALIDATE-NETWORKING',
      stories: ['STORY-VALIDATE-NETWORKING'],
      ac: ['STORY-VALIDATE-NETWORKING:AC4.1'],
      risks: ['STORY-VALIDATE-NETWORKING:R6'],
      attempts: 2,
      flaky: true,
      outcome: 'passed',
      foreign: false,
      title: 'SELECT 1 through the gitlab pooler',
    });
    const gw = cs.find((c) => c.id === 'NET-GW-011')!;
    expect(gw.outcome).toBe('failed');
    expect(gw.message).toBe('http_p95_ms: expected <= 100, saw 142.6 over 200 requests');
    expect(gw.details).toContain('actual:   p95 = 142.6 ms');
    expect(gw.evidence).toEqual(['attachments/NET-GW-011/latency-samples.json']);
    expect(gw.baselines).toEqual([
      { metric: 'http_p95_ms', value: 142.6, target: 100, op: '<=', met: false },
    ]);
  });

  it('reads foreign JUnit: ids from names, [P0]/@P2 markers, unmarked -> P1 (default), errors as failures', () => {
    const dir = join(FIXTURES, 'foreign/smoke-run');
    const cs = readJUnit(join(dir, 'junit-infra.xml'), dir);
    const by = (n: string) => cs.find((c) => c.id.includes(n))!;
    expect(cs).toHaveLength(6);
    expect(by('test_api_reachable')).toMatchObject({
      priority: 'P0',
      prioritySource: 'marker',
      outcome: 'passed',
      foreign: true,
      cluster: 'infra',
    });
    expect(by('test_ingress_tls_valid')).toMatchObject({ priority: 'P1', outcome: 'failed' });
    expect(by('test_ingress_tls_valid').message).toContain('expires in 3 days (want >= 14)');
    expect(by('test_grafana_dashboards_load')).toMatchObject({
      priority: 'P1',
      prioritySource: 'default',
      outcome: 'failed',
    });
    expect(by('test_backup_restore')).toMatchObject({
      priority: 'P2',
      outcome: 'skipped',
      skipReason: 'needs --run-slow',
    });
    expect(by('test_hubble_flows_visible')).toMatchObject({ priority: 'P2', outcome: 'passed' });
  });

  it('names file, line and column of malformed XML', () => {
    const dir = join(FIXTURES, 'malformed/bad-run');
    const file = join(dir, 'junit-infra.xml');
    expect(() => readJUnit(file, dir)).toThrow(GateInputError);
    expect(() => readJUnit(file, dir)).toThrow(`${file}:12:7: invalid XML at line 12, column 7`);
  });

  it('rejects XML that is not JUnit, an empty file, and a bad priority property', () => {
    const d = tmp();
    const f = join(d, 'junit-x.xml');
    writeFileSync(f, '<?xml version="1.0"?>\n<html><body/></html>\n');
    expect(() => readJUnit(f, d)).toThrow(
      `${f}:1: not JUnit: expected a <testsuites> or <testsuite> root element, found <html>`,
    );
    writeFileSync(f, '');
    expect(() => readJUnit(f, d)).toThrow(`${f}:1: JUnit file is empty`);
    writeFileSync(
      f,
      '<testsuite name="s"><testcase name="X-001 t"><properties><property name="priority" value="high"/></properties></testcase></testsuite>',
    );
    expect(() => readJUnit(f, d)).toThrow('property priority="high", expected P0, P1 or P2');
  });

  it("reads the reporter's strict JUnit (properties and attachments in <system-out>) and its collection errors as P0", () => {
    const d = tmp();
    const f = join(d, 'junit-apps.xml');
    writeFileSync(
      f,
      `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="platform-validation apps" tests="2" failures="1" errors="1" time="0.5">
  <testsuite name="apps: suites/databases/cnpg.test.ts" tests="2" failures="1" errors="1" skipped="0" time="0.5" file="suites/databases/cnpg.test.ts">
    <properties><property name="cluster" value="apps"/><property name="identity_seen" value="apps"/></properties>
    <testcase name="DB-CNPG-004 pooler p95 latency" classname="apps.suites/databases/cnpg.test.ts" time="0.400">
      <failure message="p95 31 ms (expected: &lt;= 20; actual: 31)" type="AssertionError">evidence (relative to the run directory):
  attachments/DB-CNPG-004/latency.json</failure>
      <system-out>[[PROPERTY|id=DB-CNPG-004]]
[[PROPERTY|priority=P2]]
[[PROPERTY|cluster=apps]]
[[PROPERTY|ac=AC4,AC11]]
[[PROPERTY|risks=R6]]
[[PROPERTY|attempts=2]]
[[PROPERTY|flaky=false]]
[[PROPERTY|evidence=attachments/DB-CNPG-004/latency.json]]
[[PROPERTY|metric.pooler_p95_ms=31]]
[[PROPERTY|target.pooler_p95_ms=20]]
[[PROPERTY|metric.pooler_throughput_per_s=950]]
[[PROPERTY|target.pooler_throughput_per_s=500]]
[[ATTACHMENT|attachments/DB-CNPG-004/latency.json]]</system-out>
    </testcase>
    <testcase name="(collection) suites/databases/broken.test.ts" classname="apps.suites/databases/broken.test.ts" time="0.000">
      <error message="SyntaxError: Unexpected token" type="SyntaxError">stack</error>
      <system-out>[[PROPERTY|id=COLLECT:suites/databases/broken.test.ts]]
[[PROPERTY|cluster=apps]]</system-out>
    </testcase>
  </testsuite>
</testsuites>
`,
    );
    const [cnpg, collect] = readJUnit(f, d);
    expect(cnpg).toMatchObject({
      id: 'DB-CNPG-004',
      priority: 'P2',
      foreign: false,
      ac: ['AC4', 'AC11'],
      attempts: 2,
      evidence: ['attachments/DB-CNPG-004/latency.json'],
    });
    expect(cnpg!.baselines).toEqual([
      { metric: 'pooler_p95_ms', value: 31, target: 20, op: '<=', met: false },
      { metric: 'pooler_throughput_per_s', value: 950, target: 500, op: '>=', met: true },
    ]);
    expect(collect).toMatchObject({
      id: 'COLLECT:suites/databases/broken.test.ts',
      priority: 'P0',
      prioritySource: 'default',
      outcome: 'failed',
      message: 'SyntaxError: Unexpected token',
    });
  });
});
