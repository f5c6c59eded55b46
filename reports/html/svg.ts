// Inline SVG charts (no script, no network): baselines against their targets, and run trend.
import type { MetricTrend, TrendRun } from '../gate/history.js';
import type { Baseline } from '../gate/model.js';
import { esc } from './html.js';

export interface BaselinePoint extends Baseline {
  key: string;
}

const GREEN = '#1a7f37';
const RED = '#cf222e';
const GREY = '#8c959f';

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * One row per metric: a bar for the measured value, a dashed line at the target. Each row has its
 * own scale (metrics differ in unit), so the picture reads "how far below/above target".
 */
export function baselineChart(points: BaselinePoint[]): string {
  if (points.length === 0) return '';
  const rowH = 34;
  const labelW = 300;
  const barW = 520;
  const h = points.length * rowH + 24;
  const rows = points.map((p, i) => {
    const y = i * rowH + 8;
    const value = p.value ?? 0;
    const scaleMax = Math.max(value, p.target ?? 0) * 1.25 || 1;
    const w = p.value === undefined ? 0 : Math.max(2, (value / scaleMax) * barW);
    const color = p.value === undefined ? RED : p.met === undefined ? GREY : p.met ? GREEN : RED;
    const shown = p.value === undefined ? 'not measured' : num(p.value);
    const tx = p.target === undefined ? undefined : labelW + (p.target / scaleMax) * barW;
    const target =
      tx === undefined
        ? `<text x="${labelW + barW + 8}" y="${y + 17}" font-size="11" fill="${GREY}">measured (no target)</text>`
        : `<line x1="${tx}" x2="${tx}" y1="${y - 3}" y2="${y + 25}" stroke="#24292f" stroke-width="2" stroke-dasharray="4 3"/>` +
          `<text x="${tx + 4}" y="${y - 1}" font-size="10" fill="#57606a">target ${esc(p.op)} ${num(p.target!)}</text>`;
    return (
      `<g><title>${esc(p.key)}: ${shown} (target ${p.target === undefined ? 'none' : `${p.op} ${num(p.target)}`})</title>` +
      `<text x="0" y="${y + 17}" font-size="12">${esc(p.key)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${barW}" height="18" fill="#f6f8fa" stroke="#d0d7de"/>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="18" fill="${color}" opacity="0.85"/>` +
      `<text x="${labelW + w + 4}" y="${y + 17}" font-size="11" font-weight="bold" fill="${color}">${shown}</text>` +
      `${target}</g>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="latency baselines against targets" width="${labelW + barW + 90}" height="${h}" font-family="system-ui, sans-serif">${rows.join('')}</svg>`;
}

/** Stacked bars per run: passed / failed / skipped, newest on the right. */
export function trendChart(runs: TrendRun[], runLabel: (id: string) => string): string {
  if (runs.length === 0) return '';
  const colW = 64;
  const chartH = 120;
  const w = Math.max(runs.length * colW + 40, 200);
  const max = Math.max(1, ...runs.map((r) => r.passed + r.failed + r.skipped));
  const bars = runs.map((r, i) => {
    const x = 30 + i * colW;
    const seg = (n: number) => (n / max) * chartH;
    let y = chartH + 10;
    const parts: string[] = [];
    for (const [n, color] of [
      [r.passed, GREEN],
      [r.failed, RED],
      [r.skipped, GREY],
    ] as const) {
      if (!n) continue;
      const hh = seg(n);
      y -= hh;
      parts.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${colW - 14}" height="${hh.toFixed(1)}" fill="${color}"/>`,
      );
    }
    const label = runLabel(r.runId);
    return (
      `<g><title>${esc(r.runId)}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped</title>${parts.join('')}` +
      `<text x="${x}" y="${chartH + 24}" font-size="9"${r.current ? ' font-weight="bold"' : ''}>${esc(label)}</text></g>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="checks per run" width="${w}" height="${chartH + 34}" font-family="system-ui, sans-serif"><text x="0" y="12" font-size="10" fill="#57606a">${max}</text><line x1="26" x2="${w}" y1="${chartH + 10}" y2="${chartH + 10}" stroke="#d0d7de"/>${bars.join('')}</svg>`;
}

/** Small multiples: each baseline metric across the runs of the window, with its target line. */
export function metricTrendChart(metrics: MetricTrend[], runCount: number): string {
  const shown = metrics.filter((m) => m.values.filter((v) => v !== undefined).length > 0);
  if (shown.length === 0 || runCount < 2) return '';
  const w = 260;
  const h = 90;
  const pad = 22;
  const cells = shown.map((m, k) => {
    const vals = m.values.filter((v): v is number => v !== undefined);
    const max = Math.max(...vals, m.target ?? 0) * 1.2 || 1;
    const x = (i: number) => pad + (i * (w - 2 * pad)) / Math.max(1, runCount - 1);
    const y = (v: number) => h - 14 - (v / max) * (h - 30);
    const pts = m.values.map((v, i) =>
      v === undefined ? undefined : `${x(i).toFixed(1)},${y(v).toFixed(1)}`,
    );
    const line = pts.filter(Boolean).join(' ');
    const last = vals[vals.length - 1]!;
    const ok =
      m.target === undefined
        ? undefined
        : m.op === '<'
          ? last < m.target
          : m.op === '<='
            ? last <= m.target
            : m.op === '>'
              ? last > m.target
              : last >= m.target;
    const color = ok === undefined ? GREY : ok ? GREEN : RED;
    const ox = (k % 3) * (w + 16);
    const oy = Math.floor(k / 3) * (h + 10);
    const target =
      m.target === undefined
        ? ''
        : `<line x1="${pad}" x2="${w - pad}" y1="${y(m.target).toFixed(1)}" y2="${y(m.target).toFixed(1)}" stroke="#24292f" stroke-dasharray="4 3"/>`;
    const dots = m.values
      .map((v, i) =>
        v === undefined
          ? ''
          : `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"><title>${esc(num(v))}</title></circle>`,
      )
      .join('');
    return (
      `<g transform="translate(${ox},${oy})"><rect width="${w}" height="${h}" fill="#fff" stroke="#d0d7de"/>` +
      `<text x="6" y="13" font-size="11">${esc(m.key)}: ${esc(num(last))}${m.target === undefined ? '' : ` (target ${esc(m.op)} ${esc(num(m.target))})`}</text>` +
      `${target}<polyline points="${line}" fill="none" stroke="${color}" stroke-width="2"/>${dots}</g>`
    );
  });
  const rows = Math.ceil(shown.length / 3);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="baselines across runs" width="${3 * (w + 16)}" height="${rows * (h + 10)}" font-family="system-ui, sans-serif">${cells.join('')}</svg>`;
}
