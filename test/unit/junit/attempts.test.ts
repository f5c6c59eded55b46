// splitAttempts: vitest keeps every attempt's errors in one list; the reporter splits it per attempt.
import { describe, expect, it } from 'vitest';
import { splitAttempts } from '../../../reports/junit/attempts.js';

describe('splitAttempts', () => {
  it('uses the per-attempt counts recorded by the check fixture', () => {
    expect(splitAttempts(['a1', 'a2', 'b1', 'c1'], 3, [2, 1, 1])).toEqual([['a1', 'a2'], ['b1'], ['c1']]);
  });
  it('errors after the last count (a teardown) belong to the last attempt', () => {
    expect(splitAttempts(['a1', 'b1', 'b2'], 2, [1, 1])).toEqual([['a1'], ['b1', 'b2']]);
  });
  it('a passed-after-retry test: only the failed attempts', () => {
    expect(splitAttempts(['a1'], 1, [1])).toEqual([['a1']]);
    expect(splitAttempts([], 0, undefined)).toEqual([]);
  });
  it('without usable counts: one error per attempt, the rest to the last', () => {
    expect(splitAttempts(['a', 'b', 'c', 'd'], 3, undefined)).toEqual([['a'], ['b'], ['c', 'd']]);
    expect(splitAttempts(['a', 'b', 'c'], 2, [5, 5])).toEqual([['a'], ['b', 'c']]); // counts exceed the list
    expect(splitAttempts(['a', 'b'], 2, [2])).toEqual([['a'], ['b']]); // counts for fewer attempts
  });
  it('fewer errors than attempts: empty groups, never a crash', () => {
    expect(splitAttempts(['a'], 2, undefined)).toEqual([['a'], []]);
  });
});
