// How many workers pnpm test gives the cluster projects (helpers/check/workers.ts).
import { describe, expect, it } from 'vitest';
import { defaultMaxWorkers } from '../../../helpers/check/workers.js';

describe('defaultMaxWorkers', () => {
  it('gives every selected cluster a worker of its own on a 2-core runner (vitest alone would give 1)', () => {
    expect(defaultMaxWorkers(2, 2)).toBe(2);
    expect(defaultMaxWorkers(3, 2)).toBe(3);
  });
  it('never goes below 2, even for one cluster on one core', () => {
    expect(defaultMaxWorkers(1, 1)).toBe(2);
  });
  it("keeps vitest's one per core minus one where that is more", () => {
    expect(defaultMaxWorkers(2, 16)).toBe(15);
  });
});
