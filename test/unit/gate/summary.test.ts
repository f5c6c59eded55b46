// `pnpm gate --summary` and $GITHUB_STEP_SUMMARY: the Markdown a CI job shows.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mdInline } from '../../../reports/gate/summary.js';
import { writeRun, type CaseSpec } from './builder.js';
import { gate, tmp } from './helpers.js';

const NET = 'STORY-VALIDATE-NETWORKING';

function run(cases: CaseSpec[]) {
  const root = tmp();
  const dir = writeRun(join(root, 'evidence'), { runId: '20261204T020000Z-0000aa', cases });
  return { root, dir, gates: join(root, 'gates') };
}
const ok = (id: string, priority: 'P0' | 'P1' | 'P2', cluster = 'infra', ac = 'AC1.5'): CaseSpec => ({
  id,
  priority,
  cluster,
  story: NET,
  ac: [ac],
});

describe('pnpm gate --summary', () => {
  it('writes the decision, reasons, counts per cluster x priority, one line per failure and the gaps', () => {
    const r = run([
      ok('NET-A-001', 'P0'),
      ok('NET-A-001', 'P0', 'apps'),
      ok('NET-A-002', 'P1', 'apps', 'AC2.1'),
      {
        ...ok('NET-CILIUM-001', 'P0', 'apps', 'AC3.1'),
        outcome: 'failed',
        message:
          'cilium-9z96z@apps-cp-2: Cluster health: Warning | daemon <unreachable> (expected: "3/3 reachable"; actual: "none")',
        evidence: { 'status.txt': 'Cluster health: Warning' },
        suggestedAction: 'kubectl -n kube-system exec ds/cilium -- cilium-health status',
      },
      { ...ok('NET-A-003', 'P2', 'infra', 'AC4.1'), outcome: 'skipped' },
    ]);
    const file = join(r.root, 'out', 'summary.md');
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report', '--summary', file]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('summary: ');
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^## ❌ QA gate: FAIL$/m);
    expect(md).toContain('- P0 check failed: NET-CILIUM-001@apps.');
    expect(md).toContain('| cluster | P0 | P1 | P2 |');
    expect(md).toContain('| apps | 1/2 | 1/1 | – |');
    expect(md).toContain('| infra | 1/1 | – | 0/0 (1 skipped) |');
    const failures = md.split('\n').filter((l) => l.startsWith('- **'));
    expect(failures).toHaveLength(1);
    // one line: check, cluster, expected vs seen, action, evidence path; Markdown-inert
    expect(failures[0]).toContain('**P0 NET-CILIUM-001** on apps: ');
    expect(failures[0]).toContain('Warning \\| daemon \\<unreachable\\>');
    expect(failures[0]).toContain('expected: "3/3 reachable"; actual: "none"');
    expect(failures[0]).toContain('Action: kubectl -n kube-system exec ds/cilium -- cilium-health status.');
    expect(failures[0]).toMatch(/Evidence: `[^`]*attachments\/NET-CILIUM-001[^`]*status\.txt`/);
    // every item of every story (helpers/trace/stories): those a run can close one by one with the
    // reason, the rest counted by reason
    expect(md).toMatch(/^### Acceptance-criterion items not covered \(\d+ of \d+\)$/m);
    expect(md).toMatch(/^- STORY-VALIDATE-NETWORKING:AC3\.1: failed: NET-CILIUM-001@apps$/m);
    expect(md).toMatch(/^- STORY-VALIDATE-NETWORKING:AC4\.1: not run on apps; skipped: NET-A-003@infra/m);
    expect(md).toMatch(/^- STORY-VALIDATE-NETWORKING:AC2\.1: not run on infra$/m);
    expect(md).toMatch(/^- \d+ item\(s\) of STORY-VALIDATE-NETWORKING: no check$/m);
    expect(md).toMatch(/\| STORY-VALIDATE-NETWORKING \| FAIL \| 3 \| 159 \|/);
    expect(md).toContain('platform.yml');
  });

  it('PASS reads as a pass; $GITHUB_STEP_SUMMARY is appended to, not overwritten', () => {
    const r = run([ok('NET-A-001', 'P0'), ok('NET-A-002', 'P1')]);
    const step = join(r.root, 'step-summary.md');
    writeFileSync(step, '# earlier step\n');
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report'], {
      env: { GITHUB_STEP_SUMMARY: step },
    });
    expect(res.code).toBe(0);
    const md = readFileSync(step, 'utf8');
    expect(md.startsWith('# earlier step\n## ✅ QA gate: PASS')).toBe(true);
    expect(md).not.toContain('### Failures');
  });

  it('redacts credentials in findings and actions', () => {
    const r = run([
      {
        ...ok('DB-PG-001', 'P0'),
        outcome: 'failed',
        message:
          'connect failed: postgres://app:s3cr3t-Pa55w0rd@127.0.0.1:5432/app PGPASSWORD=hunter2hunter2',
        suggestedAction: 'retry with --password=hunter2hunter2',
      },
    ]);
    const file = join(r.root, 'summary.md');
    gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report', '--summary', file]);
    const md = readFileSync(file, 'utf8');
    expect(md).toContain('DB-PG-001');
    expect(md).not.toMatch(/s3cr3t-Pa55w0rd|hunter2hunter2/);
  });

  it('an unwritable --summary path is bad input (exit 3) naming the flag', () => {
    const r = run([ok('NET-A-001', 'P0')]);
    const blocker = join(r.root, 'file');
    writeFileSync(blocker, 'x');
    const res = gate([
      '--run',
      r.dir,
      '--gates-dir',
      r.gates,
      '--no-report',
      '--summary',
      join(blocker, 'summary.md'),
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/--summary .*summary\.md: cannot write/);
    expect(existsSync(join(blocker, 'summary.md'))).toBe(false);
  });
});

describe('mdInline', () => {
  it('keeps a finding on one line and inert (no table break, HTML, emphasis, link)', () => {
    expect(mdInline('a|b\n<img src=x> *x* [l](u) `c` #h')).toBe(
      'a\\|b \\<img src=x\\> \\*x\\* \\[l\\](u) \\`c\\` \\#h',
    );
  });
});
