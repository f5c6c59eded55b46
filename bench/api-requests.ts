// API requests of a run, counted at the lab API servers: `apiserver_request_total` from /metrics
// (admin kubeconfig) before and after the run, per verb/resource/scope. The lab is shared with its
// controllers (and, during development, other test runs), so the same-length window before the
// run is measured too and reported as background; the run's figure is the difference.
// PV_BENCH_API_GREP narrows the run (default: the whole catalogue).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { measure } from './proc.js';
import type { Benchmark, BenchResult } from './registry.js';

export type RequestCounts = Map<string, number>;

/** Parses apiserver_request_total into "VERB resource[/sub] scope" -> count (code ignored). */
export function parseRequestTotals(metrics: string): RequestCounts {
  const out: RequestCounts = new Map();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const res = `${labels.group ? labels.group + '/' : ''}${labels.resource || labels.subresource}${labels.resource && labels.subresource ? '/' + labels.subresource : ''}`;
    const key = `${labels.verb} ${res} ${labels.scope || '-'}`;
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

export function scrape(root: string, context: string): RequestCounts {
  const kubectl = path.join(root, '.lab', 'bin', 'kubectl');
  const text = execFileSync(
    kubectl,
    ['--kubeconfig', path.join(root, '.lab', 'kubeconfig'), '--context', context, 'get', '--raw', '/metrics'],
    {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 20_000,
    },
  ).toString();
  return parseRequestTotals(text);
}

export function diff(after: RequestCounts, before: RequestCounts): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

const sum = (m: RequestCounts) => [...m.values()].reduce((a, b) => a + b, 0);
const CONTEXTS = ['lab-infra', 'lab-apps'];

export const apiRequestsBenchmark: Benchmark = {
  name: 'api-requests',
  description:
    'API requests of a full run counted at the lab API servers (apiserver_request_total), minus background',
  async run(root): Promise<BenchResult> {
    const grep = process.env.PV_BENCH_API_GREP;
    const snap = () => Object.fromEntries(CONTEXTS.map((c) => [c, scrape(root, c)]));
    const t0 = snap();
    const started = Date.now();
    const m = await measure(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'bin/test.ts'), ...(grep ? ['--grep', grep] : [])],
      {
        cwd: root,
        env: { ...process.env, FORCE_COLOR: '0', PV_RUN_ID: undefined, PV_RUN_DIR: undefined },
      },
    );
    const t1 = snap();
    const runMs = Date.now() - started;
    // background: a window of the same length with no run of ours
    await new Promise((r) => setTimeout(r, runMs));
    const t2 = snap();
    const notes: string[] = [
      `run: pnpm test${grep ? ` --grep "${grep}"` : ''} (exit ${m.code}), ${(runMs / 1000).toFixed(0)} s`,
    ];
    const rows = [];
    for (const c of CONTEXTS) {
      const during = diff(t1[c]!, t0[c]!);
      const bg = diff(t2[c]!, t1[c]!);
      const run = sum(during) - sum(bg);
      notes.push(
        `${c}: ${sum(during)} requests during the run, ${sum(bg)} in the same-length window after (background) => ~${run} from the run`,
      );
      const top = [...during]
        .map(([k, v]) => [k, v - (bg.get(k) ?? 0)] as const)
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12);
      for (const [k, v] of top) notes.push(`    ${String(v).padStart(6)}  ${k}`);
      rows.push({
        metric: `${c} requests (during / background)`,
        ours: sum(during),
        baseline: Math.max(1, sum(bg)),
      });
    }
    return { notes, rows };
  },
};
