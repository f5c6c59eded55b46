// `pnpm bench [name...]`: runs the registered benchmarks and prints ratios measured side by side.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarks, registerBenchmark } from './registry.js';
import { frameworkOverhead } from './framework-overhead.js';
import { tunnelBenchmark } from './tunnel.js';
import { apiRequestsBenchmark } from './api-requests.js';
import { scalingBenchmark } from './scaling.js';
import { catalogueBenchmark } from './catalogue.js';
import { startupBenchmark } from './startup.js';

export { benchmarks, registerBenchmark } from './registry.js';
export type { Benchmark, BenchResult, BenchRow } from './registry.js';

registerBenchmark(frameworkOverhead);
registerBenchmark(tunnelBenchmark);
registerBenchmark(apiRequestsBenchmark);
registerBenchmark(scalingBenchmark);
registerBenchmark(catalogueBenchmark);
registerBenchmark(startupBenchmark);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w));
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}\n`,
    );
    return 2;
  }
  let failed = false;
  for (const b of benchmarks.filter((x) => !wanted.length || wanted.includes(x.name))) {
    process.stdout.write(`\n== ${b.name}: ${b.description} ==\n`);
    try {
      const r = await b.run(ROOT);
      for (const n of r.notes ?? []) process.stdout.write(`  ${n}\n`);
      process.stdout.write(
        `  ${'metric'.padEnd(40)} ${'ours'.padStart(10)} ${'baseline'.padStart(10)} ${'ratio'.padStart(7)}  goal\n`,
      );
      for (const row of r.rows) {
        const ratio = row.ours / row.baseline;
        const verdict =
          row.goal === undefined ? '' : ratio < row.goal ? `< ${row.goal}x met` : `< ${row.goal}x MISSED`;
        const ci = row.ci ? `  (95% CI ${row.ci[0].toFixed(2)}-${row.ci[1].toFixed(2)}x)` : '';
        process.stdout.write(
          `  ${row.metric.padEnd(40)} ${row.ours.toFixed(2).padStart(10)} ${row.baseline.toFixed(2).padStart(10)} ${ratio.toFixed(2).padStart(6)}x  ${verdict}${ci}\n`,
        );
      }
    } catch (e) {
      failed = true;
      process.stdout.write(`  ERROR: ${(e as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

main().then((c) => process.exit(c));
