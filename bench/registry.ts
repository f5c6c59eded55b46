// Benchmarks of `pnpm bench`. Add one: implement Benchmark and call registerBenchmark() from
// bench/run.ts (or a module it imports). Each row is measured side by side in the same run.
export interface BenchRow {
  metric: string;
  ours: number;
  baseline: number;
  /** ours/baseline must stay below this ratio (optional) */
  goal?: number;
  /** 95% bootstrap interval of the ratio, where the row comes from samples (bench/stats.ts) */
  ci?: [number, number];
}

export interface BenchResult {
  rows: BenchRow[];
  notes?: string[];
}

export interface Benchmark {
  name: string;
  description: string;
  run(root: string): Promise<BenchResult>;
}

export const benchmarks: Benchmark[] = [];

export function registerBenchmark(b: Benchmark): void {
  if (benchmarks.some((x) => x.name === b.name)) throw new Error(`benchmark ${b.name} registered twice`);
  benchmarks.push(b);
}
