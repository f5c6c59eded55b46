// The gate as a Markdown job summary (GitHub's $GITHUB_STEP_SUMMARY, a GitLab artifact): the
// decision and why, counts per cluster and priority, one line per failure, the uncovered ACs.
// Everything printed is redacted (finding() and redact()); nothing here reads evidence contents.
import { join, relative } from 'node:path';
import { redact } from '../../helpers/evidence/redact.js';
import type { Evaluation } from './evaluate.js';
import { finding } from './gatefile.js';
import { PRIORITIES, type CheckResult } from './model.js';
import { findWaiver, type Waiver } from './waivers.js';

const ICON: Record<string, string> = { PASS: '✅', WAIVED: '✅', CONCERNS: '⚠️', FAIL: '❌' };

/** Inline Markdown: no table breaks, no HTML, no accidental emphasis or links. */
export function mdInline(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|#]/g, (ch) => `\\${ch}`);
}

function count(cs: CheckResult[]): string {
  const ran = cs.filter((c) => c.outcome !== 'skipped');
  if (!cs.length) return '–';
  const passed = ran.filter((c) => c.outcome === 'passed').length;
  const skipped = cs.length - ran.length;
  return `${passed}/${ran.length}${skipped ? ` (${skipped} skipped)` : ''}`;
}

export interface SummaryInput {
  /** The whole run first (the platform gate), then one evaluation per story. */
  evaluations: Evaluation[];
  waivers: Waiver[];
  gateFiles: string[];
  report?: string;
  /** Paths in the summary are written relative to this directory (the job's workspace). */
  cwd: string;
}

export function markdownSummary(input: SummaryInput): string {
  const [platform, ...stories] = input.evaluations;
  if (!platform) throw new Error('markdownSummary: no evaluation');
  const rel = (p: string) => {
    const r = relative(input.cwd, p);
    return r.startsWith('..') ? p : r;
  };
  const d = platform.decision;
  const out: string[] = [`## ${ICON[d.gate] ?? ''} QA gate: ${d.gate}`, ''];
  for (const r of d.reasons) out.push(`- ${mdInline(redact(r))}`);
  if (d.reasons.length) out.push('');

  const clusters = [...new Set(platform.checks.map((c) => c.cluster))].sort();
  out.push(`| cluster | ${PRIORITIES.join(' | ')} |`, `|---|${PRIORITIES.map(() => '---').join('|')}|`);
  for (const cl of clusters) {
    const mine = platform.checks.filter((c) => c.cluster === cl);
    out.push(
      `| ${mdInline(cl)} | ${PRIORITIES.map((p) => count(mine.filter((c) => c.priority === p))).join(' | ')} |`,
    );
  }
  out.push('', 'Passed/executed per priority.', '');

  const failures = [...d.open, ...d.waived.map((w) => w.check)];
  if (failures.length) {
    out.push(`### Failures (${failures.length})`, '');
    for (const c of failures) {
      const waived = findWaiver(input.waivers, c) ? ' (waived)' : '';
      const action = c.suggestedAction?.trim() ? ` Action: ${mdInline(redact(c.suggestedAction))}.` : '';
      const ev = c.evidence.length
        ? ` Evidence: ${c.evidence.map((e) => `\`${rel(join(c.runDir, e)).replace(/`/g, '')}\``).join(', ')}`
        : ' Evidence: none attached';
      out.push(
        `- **${c.priority} ${mdInline(c.id)}** on ${mdInline(c.cluster)}${waived}: ${mdInline(finding(c))}.${action}${ev}`,
      );
    }
    out.push('');
  }

  if (platform.trace.gaps.length) {
    // gaps a run can close (a check failed, skipped, not selected) one by one; the rest counted by reason
    const gaps = platform.trace.acs.filter((a) => !a.covered && !a.na);
    const actionable = gaps.filter(
      (a) => a.checks.length || /^(not selected|not run|skipped|failed)/.test(a.gap ?? ''),
    );
    out.push(
      `### Acceptance-criterion items not covered (${gaps.length} of ${platform.trace.acs.filter((a) => !a.na).length})`,
      '',
    );
    for (const a of actionable) out.push(`- ${mdInline(a.ac)}: ${mdInline(a.gap ?? 'not covered')}`);
    const byReason = new Map<string, number>();
    for (const a of gaps.filter((x) => !actionable.includes(x)))
      byReason.set(`${a.story}: ${a.gap}`, (byReason.get(`${a.story}: ${a.gap}`) ?? 0) + 1);
    for (const [why, n] of byReason) out.push(`- ${n} item(s) of ${mdInline(why)}`);
    out.push('');
  }

  if (stories.length) {
    out.push('### Stories', '', '| story | gate | items covered | item gaps |', '|---|---|---|---|');
    for (const s of stories)
      out.push(
        `| ${mdInline(s.story)} | ${s.decision.gate} | ${s.trace.covered.length} | ${s.trace.gaps.length} |`,
      );
    out.push('');
  }
  const where = [
    ...input.gateFiles.map((f) => `\`${rel(f)}\``),
    ...(input.report ? [`report \`${rel(input.report)}\``] : []),
  ];
  out.push(`Gate files: ${where.join(', ')}`, '');
  return out.join('\n');
}
