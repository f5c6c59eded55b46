// One JUnit file per cluster. Default: testcase-level <properties> (read by GitLab, Jenkins and the
// gate). Strict (--strict-junit): valid against junit-10.xsd as written — testcase properties go to
// <system-out> lines `[[PROPERTY|name=value]]` and evidence to `[[ATTACHMENT|path]]`. Retries are
// <flakyFailure>/<rerunFailure> per earlier failed attempt in both forms (the xsd has them).
import { attrs, escText, seconds } from './xml.js';
import type { ClusterReport } from './model.js';

/** What JUnit annotation consumers (GitHub, GitLab) show of a failure's `message`. */
export const MESSAGE_MAX_LINES = 2;
export const MESSAGE_MAX_CHARS = 500;

/** A failure's `message` within two lines and 500 characters; the whole text stays in the body. */
export function clampFailure(f: { message: string; body: string }): { message: string; body: string } {
  const lines = f.message.split('\n');
  let message = lines.slice(0, MESSAGE_MAX_LINES).join('\n');
  if (lines.length > MESSAGE_MAX_LINES || message.length > MESSAGE_MAX_CHARS)
    message = `${message.slice(0, MESSAGE_MAX_CHARS - 25).trimEnd()} … (more in the body)`;
  if (message === f.message || f.body.includes(f.message)) return { message, body: f.body };
  return { message, body: `${f.message}\n\n${f.body}` };
}

export function junitXml(
  report: ClusterReport,
  opts: { strict: boolean; timestamp: string; hostname: string },
): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = report.suites.flatMap((s) => s.cases);
  const count = (st: string) => all.filter((c) => c.state === st).length;
  const total = all.reduce((t, c) => t + c.durationMs, 0);
  out.push(
    `<testsuites${attrs({ name: `platform-validation ${report.cluster}`, tests: all.length, failures: count('failed'), errors: count('error'), time: seconds(total) })}>`,
  );
  for (const s of report.suites) {
    const c = (st: string) => s.cases.filter((x) => x.state === st).length;
    out.push(
      `  <testsuite${attrs({
        name: `${report.cluster}: ${s.name}`,
        tests: s.cases.length,
        failures: c('failed'),
        errors: c('error'),
        skipped: c('skipped'),
        time: seconds(s.cases.reduce((t, x) => t + x.durationMs, 0)),
        timestamp: opts.timestamp,
        hostname: opts.hostname,
        file: s.file,
      })}>`,
    );
    if (report.suiteProperties.length) {
      out.push('    <properties>');
      for (const [n, v] of report.suiteProperties)
        out.push(`      <property${attrs({ name: n, value: v })}/>`);
      out.push('    </properties>');
    }
    for (const tc of s.cases) {
      out.push(
        `    <testcase${attrs({ name: tc.name, classname: tc.classname, time: seconds(tc.durationMs) })}>`,
      );
      if (!opts.strict && tc.properties.length) {
        out.push('      <properties>');
        for (const [n, v] of tc.properties) out.push(`        <property${attrs({ name: n, value: v })}/>`);
        out.push('      </properties>');
      }
      if (tc.failure) {
        const tag = tc.state === 'error' ? 'error' : 'failure';
        const f = clampFailure(tc.failure);
        out.push(
          `      <${tag}${attrs({ message: f.message, type: tc.failure.type })}>${escText(f.body)}</${tag}>`,
        );
      }
      // earlier failed attempts, as Surefire writes them; junit-10.xsd declares these elements
      // (rerunType: message, required type, optional <stackTrace>), so strict output keeps them too
      for (const r of tc.reruns ?? []) {
        const f = clampFailure(r);
        out.push(
          `      <${r.kind}${attrs({ message: f.message, type: r.type })}><stackTrace>${escText(f.body)}</stackTrace></${r.kind}>`,
        );
      }
      if (tc.state === 'skipped')
        out.push(`      <skipped${tc.skipMessage ? attrs({ message: tc.skipMessage }) : ''}/>`);
      const sysout = [
        ...(opts.strict ? tc.properties.map(([n, v]) => `[[PROPERTY|${n}=${v}]]`) : []),
        ...tc.evidence.map((p) => `[[ATTACHMENT|${p}]]`),
        ...(tc.systemOut ? [tc.systemOut] : []),
      ];
      if (sysout.length) out.push(`      <system-out>${escText(sysout.join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
