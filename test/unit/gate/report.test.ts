// The HTML report rendered by a real headless Chromium (Debian's package): the page renders, the
// failing check's evidence is in the DOM Chromium built, nothing is fetched, a screenshot is kept.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpDom, screenshot } from '../../../reports/html/chromium.js';
import { writeReport } from '../../../reports/html/index.js';
import { verifyReport } from '../../../reports/html/verify.js';
import { copyFixture, gate, NIGHTLY } from './helpers.js';

describe('HTML report', () => {
  it('renders in Chromium with failures first and their evidence inline; screenshot kept in the run dir', async () => {
    const ev = copyFixture('evidence');
    const runDir = join(ev, NIGHTLY);
    const file = await writeReport(runDir);
    expect(file).toBe(join(runDir, 'report.html'));
    const html = readFileSync(file, 'utf8');
    // self-contained: no external resource of any kind
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);

    const dom = await dumpDom(file);
    // the failing P0 check, its evidence file's content (from attachments/STO-CEPH-001/ceph-status.txt)
    expect(dom).toContain('STO-CEPH-001');
    expect(dom).toContain('Degraded data redundancy: 112/336 objects degraded (33.333%), 21 pgs degraded');
    expect(dom).toContain('"OSD_DOWN": {'); // the JSON attachment, pretty-printed
    // failures come before the traceability matrix and the all-checks table
    const failuresAt = dom.indexOf('Failures (3)');
    expect(failuresAt).toBeGreaterThan(0);
    expect(failuresAt).toBeLessThan(dom.indexOf('Traceability'));
    // secrets in a failure message or an attachment never reach the page
    expect(dom).toContain('REDIS_URL=redis://default:***REDACTED***@dragonfly.databases:6379');
    expect(dom).not.toContain('hunter2');
    // baselines plotted against targets, trend over the three nightly runs
    expect(dom).toMatch(/<svg[^>]*aria-label="latency baselines against targets"/);
    expect(dom).toContain('target &lt;= 100');
    expect(dom).toContain('3 runs (oldest left)');

    const png = join(runDir, 'report.png');
    await screenshot(file, png);
    expect(existsSync(png)).toBe(true);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
    console.log(`report screenshot: ${png}`);
  });

  it('pnpm gate writes the report next to the run and prints its path', () => {
    const ev = copyFixture('evidence');
    const res = gate(['--run', join(ev, NIGHTLY), '--gates-dir', join(ev, 'gates')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(new RegExp(`report: .*${NIGHTLY}/report\\.html`));
    expect(existsSync(join(ev, NIGHTLY, 'report.html'))).toBe(true);
  });

  it('verifyReport (for real runs in selftest) finds every failure with its evidence in the rendered page', async () => {
    const ev = copyFixture('evidence');
    const v = await verifyReport(join(ev, NIGHTLY));
    expect(v.problems).toEqual([]);
    expect(v.failures.map((f) => f.key).sort()).toEqual([
      'DB-DRAGONFLY-003@apps',
      'NET-GW-011@apps',
      'STO-CEPH-001@infra',
    ]);
    expect(v.failures.find((f) => f.key === 'STO-CEPH-001@infra')!.evidenceShown).toEqual([
      'attachments/STO-CEPH-001/ceph-status.txt',
      'attachments/STO-CEPH-001/cephcluster-status.json',
    ]);
    expect(existsSync(v.screenshot)).toBe(true);
  });
});
