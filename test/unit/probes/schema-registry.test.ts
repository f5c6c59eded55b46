// MSG-SR-001's mechanism (helpers/probes/schema-registry.ts) on an in-memory Schema Registry: the
// passing session, the failing shapes the suite's assertions see, the sweep of crashed runs' subjects.
import { describe, expect, it } from 'vitest';
import { runOwnedName } from '../../../helpers/run/ids.js';
import { subjectLifecycle, type SubjectRegistry } from '../../../helpers/probes/schema-registry.js';
import { failure, fakeEvidence, fakeRun, runIdHoursAgo } from './fake-run.js';

const v1 = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });
const schemas = { v1, compatible: 'v2', incompatible: 'v3' };

/** Subjects with their schemas; `compatible` answers from `accepts`; deletes may be refused. */
function fakeRegistry(
  o: { listed?: string[]; accepts?: string[]; refuseDelete?: boolean; serve?: string } = {},
) {
  const subjects = new Map<string, string>((o.listed ?? []).map((s) => [s, v1]));
  const registry: SubjectRegistry = {
    register: async (s, schema) => (subjects.set(s, schema), { id: 7 }),
    latest: async (s) => ({ subject: s, version: 1, id: 7, schema: o.serve ?? subjects.get(s)! }),
    compatible: async (_s, schema) => (o.accepts ?? ['v2']).includes(schema),
    subjects: async () => [...subjects.keys()],
    deleteSubject: async (s) => {
      if (o.refuseDelete) throw new Error(`DELETE /subjects/${s}?permanent=true: HTTP 422`);
      subjects.delete(s);
    },
  };
  return { registry, subjects };
}

const suiteAssertions = (log: Awaited<ReturnType<typeof subjectLifecycle>>) => {
  expect(log, `Schema Registry session for ${log.subject}`).toMatchObject({
    latestMatches: true,
    compatibleChange: true,
    incompatibleChange: false,
    subjectListedAfterDelete: false,
  });
  expect(log.deleteError, `DELETE of subject ${log.subject} (soft, then permanent)`).toBeUndefined();
};

describe('subjectLifecycle (MSG-SR-001)', () => {
  it('passes: registered, served back, v2 compatible, v3 not, deleted for good; old subjects swept', async () => {
    const old = `${runOwnedName(runIdHoursAgo(6), 'pv-subject')}-a1b2c3-value`;
    const recent = `${runOwnedName(runIdHoursAgo(1), 'pv-subject')}-d4e5f6-value`;
    const { registry, subjects } = fakeRegistry({ listed: [old, recent, 'orders-value'] });
    const { run, pending } = fakeRun();
    const { evidence, swept } = fakeEvidence();
    const subject = `${run.name('pv-subject')}-0a0b0c-value`;
    const log = await subjectLifecycle(registry, subject, schemas, run, evidence);
    suiteAssertions(log);
    expect(log).toEqual({
      subject,
      registeredId: 7,
      latest: { version: 1, id: 7 },
      latestMatches: true,
      compatibleChange: true,
      incompatibleChange: false,
      subjectListedAfterDelete: false,
    });
    expect(swept['Schema Registry subject']).toEqual({ removed: [old], failed: [] });
    expect([...subjects.keys()]).toEqual([recent, 'orders-value']);
    expect(pending.size).toBe(0);
  });
  it('MSG-SR-001 fails naming the subject and the seen session: another schema served, the incompatible change accepted', async () => {
    const { registry } = fakeRegistry({ serve: '{"type":"string"}', accepts: ['v2', 'v3'] });
    const { run } = fakeRun();
    const log = await subjectLifecycle(registry, 'pv-subject-x-value', schemas, run, fakeEvidence().evidence);
    const msg = await failure(() => suiteAssertions(log));
    expect(msg).toContain('Schema Registry session for pv-subject-x-value');
    expect(msg).toMatch(/"latestMatches":false/);
    expect(msg).toMatch(/"incompatibleChange":true/);
  });
  it('fails naming the DELETE when the permanent delete is refused (the removal stays registered)', async () => {
    const { registry } = fakeRegistry({ refuseDelete: true });
    const { run, pending } = fakeRun();
    const log = await subjectLifecycle(registry, 'pv-subject-y-value', schemas, run, fakeEvidence().evidence);
    expect(log).toMatchObject({ subjectListedAfterDelete: true });
    const msg = await failure(() => suiteAssertions(log));
    expect(msg).toContain('Schema Registry session for pv-subject-y-value');
    expect(msg).toMatch(/"subjectListedAfterDelete":true/);
    expect(log.deleteError).toBe('DELETE /subjects/pv-subject-y-value?permanent=true: HTTP 422');
    expect([...pending.keys()]).toEqual(['delete subject pv-subject-y-value']);
  });
});
