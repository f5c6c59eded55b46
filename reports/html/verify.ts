// Check a run's report in a real headless Chromium: it renders, every failed check appears with its
// evidence (a line of each text attachment is in the DOM Chromium built), and a screenshot is kept
// with the run (report.png). For selftest / demo on real runs; the unit test does the same on fixtures.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkKey } from '../gate/model.js';
import { loadRuns } from '../gate/run.js';
import { readAttachment } from './attachments.js';
import { dumpDom, screenshot } from './chromium.js';
import { writeReport } from './index.js';

export interface ReportCheck {
  report: string;
  screenshot: string;
  failures: { key: string; shown: boolean; evidenceShown: string[]; evidenceMissing: string[] }[];
  problems: string[];
}

/** Chromium serialises text nodes escaping &, < and > (not quotes). */
function asDomText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function verifyReport(runDir: string, opts: { rewrite?: boolean } = {}): Promise<ReportCheck> {
  const loaded = loadRuns([runDir]);
  const dir = loaded.runs[0]!.dir;
  const report = join(dir, 'report.html');
  if (opts.rewrite !== false || !existsSync(report)) await writeReport(dir, { loaded });
  const dom = await dumpDom(report);
  const png = join(dir, 'report.png');
  await screenshot(report, png);
  const problems: string[] = [];
  if (!dom.includes('QA gate')) problems.push('the gate decision is not in the rendered page');
  const failures = loaded.checks
    .filter((c) => c.outcome === 'failed')
    .map((c) => {
      const key = checkKey(c);
      const shown = dom.includes(`id="${key}"`);
      const evidenceShown: string[] = [];
      const evidenceMissing: string[] = [];
      for (const p of c.evidence) {
        const a = readAttachment(c.runDir, p);
        if (a.kind !== 'text' && a.kind !== 'json') continue;
        const line = a.content
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l.length >= 8);
        if (!line) continue;
        (dom.includes(asDomText(line)) ? evidenceShown : evidenceMissing).push(p);
      }
      if (!shown) problems.push(`${key} failed but is not in the report`);
      for (const p of evidenceMissing) problems.push(`${key}: evidence ${p} is not shown`);
      return { key, shown, evidenceShown, evidenceMissing };
    });
  return { report, screenshot: png, failures, problems };
}
