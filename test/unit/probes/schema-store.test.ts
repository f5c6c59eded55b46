// MSG-SR-003's verdict (helpers/probes/schema-store.ts): the store topic received the run subject's
// SCHEMA record, or the check fails naming the topic, the subject and what the topic did receive.
import { describe, expect, it } from 'vitest';
import { parseStoreKey, storeProblems, type StoreSession } from '../../../helpers/probes/schema-store.js';

const subject = 'pv-subject-20261207t150000z-abcdef-0a0b0c-store-value';
const key = (keytype: string, s = subject, version = 1) =>
  parseStoreKey(JSON.stringify({ keytype, subject: s, version, magic: 1 }));
const session = (records: StoreSession['records'], more: Partial<StoreSession> = {}): StoreSession => ({
  topic: '_schemas',
  subject,
  registeredId: 12,
  startOffsets: { 0: '41' },
  records,
  waitedMs: 20_000,
  ...more,
});

describe('storeProblems (MSG-SR-003)', () => {
  it('passes when the topic received the SCHEMA record of the run subject', () => {
    expect(storeProblems(session([{ partition: 0, offset: '41', key: key('SCHEMA') }]))).toEqual([]);
  });

  it('fails naming topic, subject, id and what arrived when only other records came', () => {
    const [p] = storeProblems(
      session([
        { partition: 0, offset: '41', key: key('CONFIG', 'orders-value') },
        { partition: 0, offset: '42', key: key('SCHEMA', 'orders-value') },
        { partition: 0, offset: '43', key: key('DELETE_SUBJECT') }, // not the registration itself
      ]),
    );
    expect(p).toMatch(
      /^_schemas received no SCHEMA record for subject pv-subject-\S+-store-value \(registered as id 12\) within 20 s/,
    );
    expect(p).toContain('CONFIG orders-value, SCHEMA orders-value, DELETE_SUBJECT');
    expect(p).toContain('kafkastore.topic');
  });

  it('fails saying none arrived on a silent topic', () => {
    expect(storeProblems(session([]))[0]).toMatch(/since \{"0":"41"\}: none/);
  });

  it('a missing topic, a refused registration or no id is the failure, never a pass', () => {
    expect(storeProblems(session([], { error: 'the store topic _schemas is not on the brokers' }))).toEqual([
      'the store topic _schemas is not on the brokers',
    ]);
    expect(storeProblems(session([], { registeredId: undefined }))).toEqual([
      `subject ${subject} was not registered`,
    ]);
  });
});

describe('parseStoreKey', () => {
  it("reads Confluent's JSON key; anything else is no key", () => {
    expect(parseStoreKey('{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}')).toEqual({
      keytype: 'SCHEMA',
      subject: 's',
      version: 2,
      magic: 1,
    });
    for (const raw of [undefined, '', 'not json', '[1]', '7', 'null'])
      expect(parseStoreKey(raw)).toBeUndefined();
  });
});
