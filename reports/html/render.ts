// The run report as one self-contained HTML page (inline CSS and SVG, no script, no network).
import { redact } from '../../helpers/evidence/redact.js';
import type { Evaluation } from '../gate/evaluate.js';
import { finding } from '../gate/gatefile.js';
import { notableTrends, type Trend } from '../gate/history.js';
import { checkKey, PRIORITIES, type CheckResult, type GateStatus } from '../gate/model.js';
import type { LoadedRun } from '../gate/run.js';
import { bySeverity } from '../gate/rule.js';
import { cellOutcome, type AcTrace, type CellOutcome } from '../gate/trace.js';
import type { Waiver } from '../gate/waivers.js';
import { findWaiver } from '../gate/waivers.js';
import { readAttachment } from './attachments.js';
import { esc } from './html.js';
import { baselineChart, metricTrendChart, trendChart, type BaselinePoint } from './svg.js';

export interface ReportModel {
  loaded: LoadedRun;
  evaluation: Evaluation;
  waivers: Waiver[];
  trend: Trend;
  generatedAt: Date;
}

const GATE_COLOR: Record<GateStatus, string> = {
  PASS: '#1a7f37',
  WAIVED: '#0969da',
  CONCERNS: '#9a6700',
  FAIL: '#cf222e',
};

const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:20px 28px;border-bottom:1px solid #d0d7de;background:#f6f8fa}main{padding:8px 28px 40px;max-width:1220px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #d8dee4}
h3{font-size:15px;margin:16px 0 6px}.gate{display:inline-block;color:#fff;font-weight:700;padding:4px 14px;border-radius:6px;font-size:18px;margin-right:10px}
.reasons{margin:8px 0 0;padding-left:20px}.meta{color:#57606a;font-size:12px;margin-top:8px}.meta span{margin-right:16px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.P0{background:#cf222e}.P1{background:#bc4c00}.P2{background:#6e7781}
.o-passed{background:#dafbe1;color:#116329}.o-failed{background:#ffebe9;color:#a40e26}.o-skipped{background:#eaeef2;color:#57606a}
.o-waived{background:#ddf4ff;color:#0550ae}.o-absent{background:#fff;color:#8c959f}
.card{border:1px solid #d0d7de;border-left:6px solid #cf222e;border-radius:6px;padding:10px 14px;margin:12px 0}
.card.waived{border-left-color:#0969da}.card h3{margin:0 0 4px}.msg{font-weight:600;color:#a40e26;white-space:pre-wrap}
pre{background:#f6f8fa;border:1px solid #d8dee4;border-radius:6px;padding:8px;overflow:auto;max-height:420px;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word}
.att{margin:6px 0}summary{cursor:pointer}summary .name{display:inline}a{color:#0969da}.att .name{font:12px ui-monospace,monospace;color:#57606a}.act{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:4px 8px;margin:6px 0}
.cell{display:inline-block;min-width:22px;text-align:center;border-radius:4px;font:11px ui-monospace,monospace;padding:1px 3px}
.gap{color:#a40e26;font-weight:600}.ok{color:#116329;font-weight:600}.small{font-size:12px;color:#57606a}
.matrix td,.matrix th{padding:2px 5px;font-size:12px;text-align:center}.matrix td.id,.matrix th:first-child{text-align:left}td.id,.nw{white-space:nowrap}
`;

/** Attachments shown unfolded per failure card. */
const OPEN_ATTACHMENTS = 3;

function pill(p: string): string {
  return `<span class="pill ${esc(p)}">${esc(p)}</span>`;
}

function cell(o: CellOutcome | 'absent', title?: string): string {
  const sym = { passed: '✓', failed: '✗', waived: 'W', skipped: 'S', absent: '·' }[o];
  return `<span class="cell o-${o}"${title ? ` title="${esc(title)}"` : ''}>${sym}</span>`;
}

function header(m: ReportModel): string {
  const d = m.evaluation.decision;
  const runs = m.loaded.runs;
  const first = runs[0]?.runJson;
  const clusters = runs.flatMap((r) =>
    Object.entries(r.runJson?.clusters ?? {}).map(([name, c]) => {
      const id =
        typeof c.identity === 'string' ? c.identity : ((c.identity as { seen?: string } | null)?.seen ?? '?');
      return `<span>${esc(name)}: ${c.ok === false ? '<b class="gap">not proven</b>' : `identity ${esc(id)}`}${c.serverVersion ? ` (${esc(c.serverVersion)})` : ''}</span>`;
    }),
  );
  return `<header>
<h1>Platform validation: run ${esc(runs.map((r) => r.runId).join(' + '))}</h1>
<div><span class="gate" style="background:${GATE_COLOR[d.gate]}">${esc(d.gate)}</span><b>QA gate (${esc(m.evaluation.story)})</b></div>
<ul class="reasons">${d.reasons.map((r) => `<li>${esc(redact(r))}</li>`).join('')}</ul>
<div class="meta"><span>env: ${esc(first?.env ?? 'unknown')}</span><span>git: ${esc(first?.git?.revision?.slice(0, 12) ?? 'unknown')}${first?.git?.dirty ? ' (dirty)' : ''}</span>
<span>started: ${esc(first?.startedAt ?? '?')}</span><span>ended: ${esc(first?.endedAt ?? '?')}</span>${clusters.join('')}</div>
<div class="meta"><span>generated ${esc(m.generatedAt.toISOString())} by pnpm gate</span></div>
</header>`;
}

function summary(m: ReportModel): string {
  const checks = m.evaluation.checks;
  const clusters = [...new Set(checks.map((c) => c.cluster))].sort();
  const count = (cs: CheckResult[], o: CellOutcome) =>
    cs.filter((c) => cellOutcome(c, m.waivers) === o).length;
  const rows = clusters.flatMap((cl) =>
    PRIORITIES.map((p) => {
      const cs = checks.filter((c) => c.cluster === cl && c.priority === p);
      if (!cs.length) return '';
      const f = count(cs, 'failed');
      return `<tr><td>${esc(cl)}</td><td>${pill(p)}</td><td class="n">${count(cs, 'passed')}</td><td class="n${f ? ' gap' : ''}">${f}</td><td class="n">${count(cs, 'waived')}</td><td class="n">${count(cs, 'skipped')}</td><td class="n">${cs.filter((c) => c.flaky).length}</td></tr>`;
    }),
  );
  const d = m.evaluation.decision;
  const rate = d.p1PassRate === undefined ? 'n/a' : `${(d.p1PassRate * 100).toFixed(0)}%`;
  return `<h2>Summary per cluster and priority</h2>
<table><tr><th>cluster</th><th>priority</th><th>passed</th><th>failed</th><th>waived</th><th>skipped</th><th>flaky (passed on retry)</th></tr>${rows.join('')}</table>
<p class="small">${d.executed} checks executed, ${d.skipped} skipped. P1 pass rate ${rate} (gate needs &ge; 90%). Evidence ${d.evidence.complete ? '<span class="ok">complete</span>' : `<span class="gap">incomplete</span>: ${esc(d.evidence.problems.join('; '))}`}.</p>`;
}

function failureCard(c: CheckResult, waiver?: Waiver): string {
  const atts = c.evidence.map((p) => readAttachment(c.runDir, p));
  const attHtml = atts
    .map((a, i) => {
      const label = `<div class="name">${esc(a.path)}${a.kind === 'json' ? ' (JSON)' : ''}${a.truncated ? ` (truncated, ${a.size} bytes in full)` : ''}</div>`;
      if (a.kind === 'missing')
        return `<div class="att">${label}<div class="gap">missing on disk</div></div>`;
      if (a.kind === 'outside')
        return `<div class="att">${label}<div class="gap">path leaves the run dir: not shown</div></div>`;
      if (a.kind === 'binary')
        return `<div class="att">${label}<div class="small">binary, ${a.size} bytes</div></div>`;
      // The first attachments open; the rest folded (still in the page, one click away).
      if (i < OPEN_ATTACHMENTS) return `<div class="att">${label}<pre>${esc(a.content)}</pre></div>`;
      return `<details class="att"><summary>${label}</summary><pre>${esc(a.content)}</pre></details>`;
    })
    .join('');
  const details =
    c.details && c.details.trim() !== (c.message ?? '').trim()
      ? `<pre>${esc(redact(c.details).slice(0, 4000))}</pre>`
      : '';
  const meta = [
    c.component && `component ${esc(c.component)}`,
    c.story && `${esc(c.story)}${c.ac.length ? ` ${esc(c.ac.join(', '))}` : ''}`,
    c.risks.length && `risks ${esc(c.risks.join(', '))}`,
    c.attempts > 1 && `${c.attempts} attempts`,
    c.foreign && 'foreign JUnit (no properties)',
  ].filter(Boolean);
  return `<div class="card${waiver ? ' waived' : ''}" id="${esc(checkKey(c))}">
<h3>${pill(c.priority)} ${esc(c.id)} <span class="small">on ${esc(c.cluster)}</span>${waiver ? ' <span class="pill" style="background:#0969da">WAIVED</span>' : ''}</h3>
<div>${esc(c.title)}</div><div class="small">${meta.join(' · ')}</div>
<p class="msg">${esc(finding(c))}</p>${details}
${c.suggestedAction ? `<div class="act"><b>Suggested action:</b> ${esc(redact(c.suggestedAction))}</div>` : ''}
${waiver ? `<div class="act"><b>Waiver:</b> ${esc(waiver.reason)}, approved by ${esc(waiver.approvedBy)}, expires ${esc(waiver.expires.toISOString().slice(0, 10))}</div>` : ''}
${attHtml || '<div class="gap">No evidence attached.</div>'}
</div>`;
}

function failures(m: ReportModel): string {
  const failed = m.evaluation.checks.filter((c) => c.outcome === 'failed').sort(bySeverity);
  if (!failed.length) return `<h2>Failures</h2><p class="ok">No check failed.</p>`;
  const index = failed
    .map((c) => {
      const f = finding(c);
      const w = findWaiver(m.waivers, c) ? ' <span class="small">(waived)</span>' : '';
      return `<tr><td>${pill(c.priority)}</td><td class="id"><a href="#${esc(checkKey(c))}">${esc(checkKey(c))}</a>${w}</td><td>${esc(f.length > 160 ? `${f.slice(0, 157)}...` : f)}</td></tr>`;
    })
    .join('');
  return `<h2>Failures (${failed.length})</h2>
<table><tr><th></th><th>check</th><th>finding</th></tr>${index}</table>
${failed.map((c) => failureCard(c, findWaiver(m.waivers, c))).join('')}`;
}

/** Split `STORY:AC3` (platform scope) into story and item; a story-scoped item has no prefix. */
function splitAc(ac: string, story: string): [string, string] {
  const i = ac.indexOf(':');
  return i < 0 ? [story, ac] : [ac.slice(0, i), ac.slice(i + 1)];
}

/** One row per item: its text, seed priority and scope, then per cluster the checks naming it. */
function storyMatrix(story: string, acs: AcTrace[], clusters: string[]): string {
  const label = (a: AcTrace) => splitAc(a.ac, story)[1];
  const cellsOf = (a: AcTrace, cl: string) =>
    a.checks
      .filter((c) => c.key.endsWith(`@${cl}`))
      .map((c) => cell(c.outcome, `${c.key} ${label(a)}: ${c.outcome}`))
      .join('');
  const rows = acs.map((a) => {
    const status = a.na
      ? '<span class="small">n/a</span>'
      : a.covered
        ? '<span class="ok">✓</span>'
        : `<span class="gap">gap</span> <span class="small">${esc(a.gap)}</span>`;
    const scope = a.item?.scope ?? 'any';
    return `<tr><td class="id">${esc(label(a))}</td><td>${a.item?.priority ? pill(a.item.priority as CheckResult['priority']) : ''}</td><td>${esc(a.item?.text ?? '(not in the catalogue)')}</td><td class="small">${esc(scope)}</td>${clusters.map((cl) => `<td>${cellsOf(a, cl)}</td>`).join('')}<td>${status}</td></tr>`;
  });
  const counted = acs.filter((a) => !a.na);
  const covered = counted.filter((a) => a.covered).length;
  return `<h3>${esc(story)}</h3>
<p class="small">${covered}/${counted.length} items covered (each on every cluster its scope names).</p>
<div style="overflow-x:auto"><table class="matrix"><tr><th>item</th><th></th><th>acceptance criterion</th><th>scope</th>${clusters.map((c) => `<th>${esc(c)}</th>`).join('')}<th>status</th></tr>${rows.join('')}</table></div>`;
}

function matrix(m: ReportModel): string {
  const e = m.evaluation;
  if (!e.trace.acs.length)
    return `<h2>Traceability</h2><p class="small">No acceptance criteria referenced.</p>`;
  const groups = new Map<string, AcTrace[]>();
  for (const a of e.trace.acs) groups.set(a.story, [...(groups.get(a.story) ?? []), a]);
  const clusters = [...new Set(e.checks.map((c) => c.cluster))].sort();
  const risks = e.trace.risks
    .map(
      (r) =>
        `<tr><td>${esc(r.risk)}</td><td>${esc(r.level ?? '')}</td><td>${esc(r.title ?? '')}</td><td class="${r.status === 'failed' ? 'gap' : r.status === 'passed' ? 'ok' : ''}">${esc(r.status)}</td><td>${r.checks.map((c) => `${cell(c.outcome)} ${esc(c.key)}`).join(' &nbsp; ')}</td></tr>`,
    )
    .join('');
  return `<h2>Traceability: acceptance-criterion items &times; clusters</h2>
<p class="small">${e.trace.covered.length} items covered, ${e.trace.gaps.length} gaps (a gap is an item no check verifies, or whose checks did not all pass on every cluster it names). ${esc(e.trace.note ?? '')}</p>
${[...groups].map(([story, acs]) => storyMatrix(story, acs, clusters)).join('')}
${risks ? `<h3>Risks &rarr; checks</h3><table><tr><th>risk</th><th>level</th><th>title</th><th>status</th><th>checks</th></tr>${risks}</table>` : ''}`;
}

function baselines(m: ReportModel): string {
  const points: BaselinePoint[] = m.evaluation.checks.flatMap((c) =>
    c.baselines.map((b) => ({ ...b, key: `${b.metric} @${c.cluster} (${c.id})` })),
  );
  const nfr = m.evaluation.nfr;
  const nfrRows = (['performance', 'security', 'reliability'] as const)
    .map((k) => `<tr><td>${k}</td><td><b>${esc(nfr[k].status)}</b></td><td>${esc(nfr[k].notes)}</td></tr>`)
    .join('');
  return `<h2>Performance baselines against targets</h2>
${points.length ? baselineChart(points) : '<p class="small">No baseline check in this run.</p>'}
<h3>NFR validation</h3><table><tr><th>NFR</th><th>status</th><th>notes</th></tr>${nfrRows}</table>`;
}

/** `20261122T020000Z-a1b2c3` -> `11-22 02:00`; other ids as they are. */
export function runLabel(runId: string): string {
  const m = /^\d{4}(\d{2})(\d{2})T(\d{2})(\d{2})/.exec(runId);
  return m ? `${m[1]}-${m[2]} ${m[3]}:${m[4]}` : runId.slice(0, 16);
}

function trend(m: ReportModel): string {
  const t = m.trend;
  const scope = new Set(m.evaluation.checks.map(checkKey));
  const notable = notableTrends(t).filter((x) => scope.has(x.key));
  const scopeMetric = new Set(
    m.evaluation.checks.flatMap((c) => c.baselines.map((b) => `${b.metric}@${c.cluster}`)),
  );
  const head = t.runs
    .map(
      (r) => `<th title="${esc(r.runId)}">${esc(runLabel(r.runId))}${r.current ? '<br>(this run)' : ''}</th>`,
    )
    .join('');
  const rows = notable
    .map(
      (x) =>
        `<tr><td class="id">${esc(x.key)}</td><td>${pill(x.priority)}</td>${x.outcomes.map((o, i) => `<td>${cell(o, `${t.runs[i]?.runId}: ${o}`)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>Trend across runs</h2>
<p class="small">${t.runs.length} run${t.runs.length === 1 ? '' : 's'} (oldest left). Green passed, red failed, grey skipped.</p>
${trendChart(t.runs, runLabel)}
${
  t.runs.length > 1 && t.metrics.length
    ? `<h3>Baselines across runs</h3>${metricTrendChart(
        t.metrics.filter((x) => scopeMetric.has(x.key)),
        t.runs.length,
      )}`
    : ''
}
${notable.length ? `<h3>Checks that failed or changed</h3><div style="overflow-x:auto"><table class="matrix"><tr><th>check</th><th></th>${head}</tr>${rows}</table></div>` : '<p class="small">No check failed or changed outcome in this window.</p>'}`;
}

function allChecks(m: ReportModel): string {
  const rows = [...m.evaluation.checks]
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.id.localeCompare(b.id))
    .map((c) => {
      const o = cellOutcome(c, m.waivers);
      return `<tr><td class="nw">${esc(c.id)}</td><td>${esc(c.cluster)}</td><td>${pill(c.priority)}${c.prioritySource === 'default' ? '<span class="small"> (default)</span>' : ''}</td><td>${esc(c.component ?? '')}</td><td>${esc(c.story ?? '')} ${esc(c.ac.join(', '))}</td><td>${cell(o)} ${esc(o)}${c.flaky ? ' <span class="small">(flaky)</span>' : ''}</td><td class="n">${c.attempts}</td><td class="n">${(c.durationMs / 1000).toFixed(1)}s</td><td>${esc(c.title)}</td></tr>`;
    })
    .join('');
  return `<h2>All checks (${m.evaluation.checks.length})</h2>
<table><tr><th>id</th><th>cluster</th><th>priority</th><th>component</th><th>story / AC</th><th>outcome</th><th>attempts</th><th>time</th><th>title</th></tr>${rows}</table>`;
}

export function renderReport(m: ReportModel): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(m.evaluation.decision.gate)}: platform validation ${esc(m.loaded.runs.map((r) => r.runId).join(' + '))}</title>
<style>${CSS}</style></head>
<body>${header(m)}<main>${summary(m)}${failures(m)}${matrix(m)}${baselines(m)}${trend(m)}${allChecks(m)}</main></body></html>
`;
}
