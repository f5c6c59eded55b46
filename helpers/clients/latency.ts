// Latency samples and their summary, in one place (the baselines compare p50/p95 against targets).

export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Percentile by linear interpolation between closest ranks (numpy's default). `p` in [0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is outside [0, 100]`);
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) throw new Error('latency summary of no samples');
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    count: samples.length,
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
  };
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
