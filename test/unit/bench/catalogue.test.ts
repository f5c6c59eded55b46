// The catalogue benchmark's arithmetic: the cluster-busy time is the union of request intervals
// (overlaps counted once, clipped to the run), and vitest's duration breakdown is found.
import { describe, expect, it } from 'vitest';
import { unionMs, vitestBreakdown } from '../../../bench/catalogue.js';

describe('unionMs', () => {
  it('counts overlapping and nested intervals once and clips them to the run', () => {
    expect(
      unionMs(
        [
          [0, 10],
          [5, 20],
          [6, 7],
          [30, 40],
          [95, 130],
        ],
        2,
        100,
      ),
    ).toBe(18 + 10 + 5);
  });
  it('is 0 for no intervals or intervals outside the run', () => {
    expect(unionMs([], 0, 10)).toBe(0);
    expect(unionMs([[20, 30]], 0, 10)).toBe(0);
  });
});

describe('vitestBreakdown', () => {
  it('reads the parenthesised breakdown of the Duration line', () => {
    expect(
      vitestBreakdown(
        '   Duration  98.78s (transform 3.14s, setup 404ms, import 13.27s, tests 74.39s, environment 2ms)\n',
      ),
    ).toBe('transform 3.14s, setup 404ms, import 13.27s, tests 74.39s, environment 2ms');
    expect(vitestBreakdown('no summary')).toBeUndefined();
  });
  it('reads it through the colour codes vitest prints into a pipe', () => {
    expect(
      vitestBreakdown(
        '\x1b[2m   Duration \x1b[22m 21.77s\x1b[2m (transform 1.57s, setup 148ms, import 4.21s, tests 16.54s, environment 2ms)\x1b[22m\n',
      ),
    ).toBe('transform 1.57s, setup 148ms, import 4.21s, tests 16.54s, environment 2ms');
  });
});
