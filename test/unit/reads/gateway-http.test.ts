// PERF-HTTP-001's parsing of curl's per-request timings: every line must parse, statuses are kept.
import { describe, expect, it } from 'vitest';
import { parseCurlTimings } from '../../../helpers/reads/gateway-http.js';

describe('parseCurlTimings', () => {
  it('turns "<status> <seconds>" lines into samples in ms', () => {
    expect(parseCurlTimings('200 0.000812\n503 0.012\n000 0.000000\n')).toEqual([
      { status: 200, ms: 0.812 },
      { status: 503, ms: 12 },
      { status: 0, ms: 0 },
    ]);
  });
  it('rejects output that is not a timing line (e.g. a body curl was meant to discard)', () => {
    expect(() => parseCurlTimings('200 0.001\n{"backend":"x"}200 0.002\n')).toThrow(
      /unexpected curl timing line/,
    );
  });
});
