import { describe, expect, it } from 'vitest';
import { ratioInterval } from '../../../bench/stats.js';

const spread = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + (i % 17) * 0.1);

describe('ratioInterval (bootstrap of a percentile ratio)', () => {
  it('contains 1x when both sides come from the same distribution', () => {
    const [lo, hi] = ratioInterval(spread(200, 3), spread(200, 3).reverse(), 50);
    expect(lo).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThanOrEqual(1);
  });

  it('excludes 1x when one side is clearly slower, and brackets the true ratio', () => {
    const base = spread(200, 3);
    const [lo, hi] = ratioInterval(
      base.map((x) => x * 1.5),
      base,
      50,
    );
    expect(lo).toBeGreaterThan(1);
    expect(lo).toBeLessThanOrEqual(1.5);
    expect(hi).toBeGreaterThanOrEqual(1.5);
  });

  it('is deterministic for the same samples and refuses empty input', () => {
    const a = spread(50, 2);
    const b = spread(60, 2.2);
    expect(ratioInterval(a, b, 95)).toEqual(ratioInterval(a, b, 95));
    expect(() => ratioInterval([], b, 50)).toThrow(/no samples/);
  });

  it("bootstraps nearest-rank percentiles (the suites' definition): every ratio is one of samples", () => {
    // Resamples of [1, 3] have a median of 1 or 3 (nearest rank), never the interpolated 2.
    const [lo, hi] = ratioInterval([1, 3], [1, 3], 50);
    expect([1 / 3, 1, 3]).toContain(lo);
    expect([1 / 3, 1, 3]).toContain(hi);
  });
});
