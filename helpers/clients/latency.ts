// Latency samples and their summary: the one statistics module of the project, used by the suites
// (baseline checks compare p50/p95 against targets), the protocol clients (LatencyRecorder) and bench.

/** Field names are part of the evidence and of the JUnit `metric.*` values the checks derive from them. */
export interface LatencySummary {
  samples: number;
  minMs: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * Nearest-rank percentile of unsorted values, `p` in 0..100: the smallest sample such that at least
 * p% of the samples are less than or equal to it, i.e. sorted[ceil(p/100 * n) - 1] (sorted[0] for
 * p = 0). Always one of the samples, never an interpolation between two. Throws on an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty sample');
  if (p < 0 || p > 100) throw new Error(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Count, min, mean, nearest-rank p50/p95 and max of durations in ms, rounded to 1 µs. */
export function summarize(valuesMs: readonly number[]): LatencySummary {
  if (valuesMs.length === 0) throw new Error('no latency samples');
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    samples: valuesMs.length,
    minMs: round(Math.min(...valuesMs)),
    avgMs: round(valuesMs.reduce((a, b) => a + b, 0) / valuesMs.length),
    p50Ms: round(percentile(valuesMs, 50)),
    p95Ms: round(percentile(valuesMs, 95)),
    maxMs: round(Math.max(...valuesMs)),
  };
}

/**
 * Run `op` `count` times sequentially and return each duration in ms. `deadlineMs` bounds the
 * whole loop: hitting it is an error naming how many samples were taken.
 */
export async function sampleLatency(
  count: number,
  op: (i: number) => Promise<void>,
  deadlineMs = 60_000,
): Promise<number[]> {
  const out: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (performance.now() - start > deadlineMs) {
      throw new Error(`latency sampling exceeded ${deadlineMs} ms after ${out.length}/${count} samples`);
    }
    const t0 = performance.now();
    await op(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Collects durations (ms, from a monotonic clock). */
export class LatencyRecorder {
  readonly samples: number[] = [];

  record(ms: number): void {
    this.samples.push(ms);
  }

  async time<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.samples.push(performance.now() - t0);
    }
  }

  summary(): LatencySummary {
    return summarize(this.samples);
  }
}
