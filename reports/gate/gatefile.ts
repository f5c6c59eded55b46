// The QA gate file (docs/qa/gates/<story-slug>.yml) in the QA method's format: schema 1, story,
// gate, status_reason, reviewer, updated, top_issues, waiver, evidence (tests, risks, trace),
// nfr_validation, history. Each run appends to `history` (bounded) of the existing file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
import { redact } from '../../helpers/evidence/redact.js';
import type { Evaluation } from './evaluate.js';
import { notableTrends, trendString, type Trend } from './history.js';
import { checkKey, type CheckResult, type Priority } from './model.js';
import type { LoadedRun } from './run.js';
import type { Waiver, WaiverSet } from './waivers.js';

export const HISTORY_LIMIT = 20;
export const TOP_ISSUES_LIMIT = 20;
const SEVERITY: Record<Priority, 'high' | 'medium' | 'low'> = { P0: 'high', P1: 'medium', P2: 'low' };

export interface HistoryEntry {
  at: string;
  gate: string;
  run: string;
  note: string;
  checks: string;
}

/** A failure message fit for the gate file: one line, redacted, bounded. */
export function finding(c: CheckResult): string {
  const raw = (
    c.message?.trim() ||
    c.details?.trim().split('\n')[0] ||
    'failed (no message recorded)'
  ).replace(/\s+/g, ' ');
  const clean = redact(raw);
  return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
}

function topIssue(c: CheckResult, waived?: Waiver) {
  return {
    id: c.id,
    cluster: c.cluster,
    severity: SEVERITY[c.priority],
    finding: finding(c),
    suggested_action: redact(
      c.suggestedAction?.trim() || 'No suggested action recorded by the check; see its evidence.',
    ),
    ...(c.evidence.length ? { refs: c.evidence } : {}),
    ...(waived ? { waived: true } : {}),
  };
}

function countLine(e: Evaluation): string {
  const { counts } = e.decision;
  return (['P0', 'P1', 'P2'] as const)
    .filter((p) => counts[p].executed + counts[p].skipped > 0)
    .map(
      (p) =>
        `${p} ${counts[p].passed}/${counts[p].executed}${counts[p].skipped ? ` (${counts[p].skipped} skipped)` : ''}`,
    )
    .join(', ');
}

/** 1-2 sentences: the decisive reason, and the next one if any. */
export function statusReason(e: Evaluation): string {
  return e.decision.reasons.slice(0, 2).join(' ');
}

function readHistory(file: string, warnings: string[]): HistoryEntry[] {
  if (!existsSync(file)) return [];
  try {
    const old = parse(readFileSync(file, 'utf8')) as { history?: unknown } | null;
    return Array.isArray(old?.history) ? (old.history as HistoryEntry[]) : [];
  } catch (e) {
    warnings.push(
      `${file}: existing gate file is not valid YAML (${(e as Error).message.split('\n')[0]}); history restarts`,
    );
    return [];
  }
}

export interface GateFileInput {
  evaluation: Evaluation;
  run: LoadedRun;
  waivers: WaiverSet;
  reviewer: string;
  now: Date;
  trend: Trend;
  report?: string;
}

export function buildGateDoc(file: string, input: GateFileInput, warnings: string[]) {
  const { evaluation: e, run, waivers, reviewer, now, trend } = input;
  const d = e.decision;
  const issues = [...d.open.map((c) => topIssue(c)), ...d.waived.map((w) => topIssue(w.check, w.waiver))];
  const used = new Set(d.waived.map((w) => w.waiver));
  // shards of one run (CI: one PV_RUN_ID per pipeline) name that run once
  const runIds = [...new Set(run.runs.map((r) => r.runId))].join(', ');
  const history = [
    ...readHistory(file, warnings),
    {
      at: now.toISOString(),
      gate: d.gate,
      run: runIds,
      note: d.reasons[0] ?? '',
      checks: countLine(e) || 'none executed',
    },
  ].slice(-HISTORY_LIMIT);
  const scopeKeys = new Set(e.checks.map(checkKey));
  const notable = notableTrends(trend).filter((t) => scopeKeys.has(t.key));
  return {
    schema: 1,
    story: e.story,
    story_title: e.storyTitle,
    gate: d.gate,
    status_reason: statusReason(e),
    reviewer,
    updated: now.toISOString(),
    top_issues: issues.slice(0, TOP_ISSUES_LIMIT),
    ...(issues.length > TOP_ISSUES_LIMIT ? { more_issues: issues.length - TOP_ISSUES_LIMIT } : {}),
    waiver: {
      active: d.waived.length > 0,
      ...(d.waived.length
        ? {
            reason: [...new Set(d.waived.map((w) => w.waiver.reason))].join('; '),
            approved_by: [...new Set(d.waived.map((w) => w.waiver.approvedBy))].join(', '),
          }
        : {}),
      ...(waivers.active.length
        ? {
            items: waivers.active.map((w) => ({
              ...(w.check ? { check: w.check } : { risk: w.risk }),
              ...(w.cluster ? { cluster: w.cluster } : {}),
              reason: w.reason,
              approved_by: w.approvedBy,
              expires: w.expires.toISOString().slice(0, 10),
              covers: d.waived.filter((x) => x.waiver === w).map((x) => checkKey(x.check)),
              ...(used.has(w) ? {} : { note: 'matches no failure in this scope' }),
            })),
          }
        : {}),
      ...(waivers.expired.length
        ? {
            expired_ignored: waivers.expired.map((w) => ({
              ...(w.check ? { check: w.check } : { risk: w.risk }),
              approved_by: w.approvedBy,
              expired: w.expires.toISOString().slice(0, 10),
            })),
          }
        : {}),
    },
    evidence: {
      tests_reviewed: d.executed,
      tests_skipped: d.skipped,
      risks_identified: e.trace.risks.length,
      complete: d.evidence.complete,
      ...(d.evidence.problems.length ? { problems: d.evidence.problems } : {}),
      trace: {
        // per item (AC bullet, test-design scenario, risk-profile test) x cluster: helpers/trace/stories
        items: {
          total: e.trace.acs.filter((a) => !a.na).length,
          covered: e.trace.covered.length,
          gaps: e.trace.gaps.length,
        },
        ac_covered: e.trace.covered,
        ac_gaps: e.trace.gaps,
        ...(e.trace.gaps.length
          ? { gap_reasons: Object.fromEntries(e.trace.acs.filter((a) => a.gap).map((a) => [a.ac, a.gap])) }
          : {}),
        ...(e.trace.note ? { note: e.trace.note } : {}),
      },
      risk_coverage: Object.fromEntries(
        e.trace.risks.map((r) => [
          r.risk,
          {
            ...(r.level ? { level: r.level } : {}),
            ...(r.title ? { title: r.title } : {}),
            status: r.status,
            checks: r.checks.map((c) => `${c.key} ${c.outcome}`),
          },
        ]),
      ),
      runs: run.runs.map((r) => ({
        run_id: r.runId,
        ...(r.runJson?.env ? { env: r.runJson.env } : {}),
        ...(r.runJson?.git?.revision ? { git: r.runJson.git.revision } : {}),
        junit: r.junitFiles.map((f) => f.slice(r.dir.length + 1)),
      })),
      ...(input.report ? { report: input.report } : {}),
    },
    nfr_validation: e.nfr,
    ...(notable.length
      ? {
          trend: {
            runs: trend.runs.map((r) => r.runId),
            legend: 'oldest first; P passed, F failed, W waived, S skipped, - absent',
            checks: Object.fromEntries(notable.map((t) => [t.key, trendString(t)])),
          },
        }
      : {}),
    history,
  };
}

export function writeGateFile(file: string, input: GateFileInput): { warnings: string[] } {
  const warnings: string[] = [];
  const doc = buildGateDoc(file, input, warnings);
  mkdirSync(dirname(file), { recursive: true });
  const header = `# QA gate written by \`pnpm gate\` (reports/gate). Edit waivers in the waiver file, not here.\n`;
  writeFileSync(file, header + stringify(doc, { lineWidth: 0 }));
  return { warnings };
}
