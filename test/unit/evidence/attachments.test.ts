// Attachments (review M10, L12): the writer never writes through a planted symlink, redacts and
// sanitises names and caps sizes; the gate and the HTML report never read a symlink, a non-regular
// file or anything whose real path leaves the run dir, and read a bounded number of bytes.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEvidence } from '../../../helpers/evidence/index.js';
import { clearSecrets, registerSecret, REDACTION_MASK as M } from '../../../helpers/evidence/redact.js';
import {
  capText,
  EvidenceWriteError,
  safeName,
  writeFileNoFollow,
} from '../../../helpers/evidence/safe-write.js';
import { assessEvidence, evidenceFile } from '../../../reports/gate/evidence.js';
import { MAX_READ_BYTES, readAttachment } from '../../../reports/html/attachments.js';
import type { CheckResult } from '../../../reports/gate/model.js';
import type { RunDir } from '../../../reports/gate/run.js';

const root = mkdtempSync(join(tmpdir(), 'pv-att-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => clearSecrets());

let n = 0;
function runDir(): string {
  const d = join(root, `run-${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
}
/** A file outside every run dir, holding what a planted link would leak or overwrite. */
function outsideFile(content = 'token: sha256~UNQUOTED-LEAK-123\n'): string {
  const f = join(root, `outside-${++n}.txt`);
  writeFileSync(f, content);
  return f;
}

describe('evidence writer', () => {
  it('refuses a symlink planted at an attachment name; the target is not written', () => {
    const dir = runDir();
    const target = outsideFile('original\n');
    mkdirSync(join(dir, 'attachments/X-001/c1'), { recursive: true });
    symlinkSync(target, join(dir, 'attachments/X-001/c1/kubeconfig.txt'));
    const ev = createEvidence({ runDir: dir, checkId: 'X-001', cluster: 'c1' });
    expect(() => ev.text('kubeconfig.txt', 'overwritten')).toThrow(EvidenceWriteError);
    expect(() => ev.text('kubeconfig.txt', 'overwritten')).toThrow(/symlink/);
    expect(readFileSync(target, 'utf8')).toBe('original\n');
    expect(lstatSync(join(dir, 'attachments/X-001/c1/kubeconfig.txt')).isSymbolicLink()).toBe(true);
  });

  it('refuses a symlinked directory on the way (attachments/<check> -> elsewhere)', () => {
    const dir = runDir();
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    mkdirSync(join(dir, 'attachments'), { recursive: true });
    symlinkSync(elsewhere, join(dir, 'attachments/X-002'));
    const ev = createEvidence({ runDir: dir, checkId: 'X-002', cluster: 'c1' });
    expect(() => ev.text('a.txt', 'x')).toThrow(/symlink/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('replaces a regular file (a retry writes the same name again) and leaves no temporary file', () => {
    const dir = runDir();
    const ev = createEvidence({ runDir: dir, checkId: 'X-003', cluster: 'c1' });
    ev.text('a.txt', 'first');
    const rel = ev.text('a.txt', 'second');
    expect(readFileSync(join(dir, rel), 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'attachments/X-003/c1'))).toEqual(['a.txt']);
    expect(ev.paths).toEqual(['attachments/X-003/c1/a.txt']);
  });

  it('redacts and sanitises names (check id, cluster, file name) and bounds their length', () => {
    registerSecret('name-secret-7788');
    const dir = runDir();
    const ev = createEvidence({ runDir: dir, checkId: 'X-004', cluster: 'c1' });
    const rel = ev.text('logs-pod-name-secret-7788-token=abc/../../x.txt', 'body');
    expect(rel).not.toContain('name-secret-7788');
    expect(rel).not.toContain('abc');
    expect(rel).not.toContain('..');
    expect(rel.startsWith('attachments/X-004/c1/')).toBe(true);
    expect(existsSync(join(dir, rel))).toBe(true);
    const long = safeName(`${'a'.repeat(400)}.json`, 160);
    expect(long.length).toBeLessThanOrEqual(160);
    expect(long.endsWith('.json')).toBe(true);
    expect(safeName('..hidden')).toBe('_hidden');
  });

  it('redacts the content (text and JSON, structurally too)', () => {
    registerSecret('content-secret-9911');
    const dir = runDir();
    const ev = createEvidence({ runDir: dir, checkId: 'X-005', cluster: 'c1' });
    const t = ev.text('a.txt', 'x content-secret-9911 y\npassword: unregistered-1\n');
    expect(readFileSync(join(dir, t), 'utf8')).toBe(`x ${M} y\npassword: ${M}\n`);
    const j = ev.json('pod', { spec: { env: [{ name: 'DB_PASSWORD', value: 'unregistered-2' }] } });
    const written = JSON.parse(readFileSync(join(dir, j), 'utf8'));
    expect(written.spec.env[0]).toEqual({ name: 'DB_PASSWORD', value: M });
  });

  it('caps an attachment (head and tail kept, a note of what was cut)', () => {
    const lines = Array.from({ length: 4000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const capped = capText(lines, 16 * 1024);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(16 * 1024);
    expect(capped).toContain('line 0 ');
    expect(capped).toContain('line 3999 ');
    expect(capped).toMatch(/attachment truncated by platform-validation: \d+ of \d+ bytes omitted/);
    expect(capText('short', 16 * 1024)).toBe('short');
  });

  it('a secret straddling the cut of a huge input is not half kept', () => {
    registerSecret('straddling-secret-0042');
    // a huge input is cut before redaction (beyond 2x the cap: 16 KiB here), its tail from
    // length - 12 KiB on: the secret sits right across that cut (no line end nearby)
    const cut = 80_000 - 12 * 1024;
    const big = `${'a'.repeat(cut - 10)}straddling-secret-0042${'b'.repeat(80_000 - cut - 12)}`;
    expect(big.length).toBe(80_000);
    const capped = capText(big, 8 * 1024);
    expect(capped).not.toMatch(/straddling|secret-0042|ret-0042|0042/);
    expect(capped).toMatch(/characters omitted/);
    // with line ends nearby the cut is at a line end: the secret's line stays whole, and masked
    const lines = `${'a'.repeat(cut - 30)}\nx straddling-secret-0042 y\n${'b'.repeat(80_000 - cut)}`;
    expect(capText(lines, 8 * 1024)).not.toMatch(/secret-0042/);
  });

  it('writeFileNoFollow refuses a symlink and a directory, and (with root) a symlinked parent', () => {
    const dir = runDir();
    const target = outsideFile('keep\n');
    symlinkSync(target, join(dir, 'report.html'));
    expect(() => writeFileNoFollow(join(dir, 'report.html'), '<html>')).toThrow(/symlink/);
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
    mkdirSync(join(dir, 'd'));
    expect(() => writeFileNoFollow(join(dir, 'd'), 'x')).toThrow(/not a regular file/);
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    symlinkSync(elsewhere, join(dir, 'sub'));
    expect(() => writeFileNoFollow(join(dir, 'sub', 'run.json'), '{}', { root: dir })).toThrow(/symlink/);
    writeFileNoFollow(join(dir, 'run.json'), '{}', { root: dir });
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{}');
  });
});

describe('gate and report readers', () => {
  function plant() {
    const dir = runDir();
    const a = join(dir, 'attachments/X-010/c1');
    mkdirSync(a, { recursive: true });
    writeFileSync(join(a, 'ok.txt'), 'fine\n');
    symlinkSync(outsideFile(), join(a, 'kubeconfig.txt')); // file link leaving the run dir
    writeFileSync(join(a, 'inside.txt'), 'inside\n');
    symlinkSync(join(a, 'inside.txt'), join(a, 'link-inside.txt')); // a link, even one staying inside
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    writeFileSync(join(elsewhere, 'leak.txt'), 'client-key-data: LS0tLEAK\n');
    symlinkSync(elsewhere, join(dir, 'attachments/X-011')); // directory link
    mkdirSync(join(a, 'adir'));
    try {
      execFileSync('mkfifo', [join(a, 'fifo')]);
    } catch {
      // no mkfifo: the directory case covers "not a regular file"
    }
    return {
      dir,
      rels: {
        ok: 'attachments/X-010/c1/ok.txt',
        fileLink: 'attachments/X-010/c1/kubeconfig.txt',
        insideLink: 'attachments/X-010/c1/link-inside.txt',
        dirLink: 'attachments/X-011/leak.txt',
        dir: 'attachments/X-010/c1/adir',
        fifo: 'attachments/X-010/c1/fifo',
        outside: '../../etc/passwd',
        missing: 'attachments/X-010/c1/nope.txt',
      },
    };
  }

  it('evidenceFile: only a regular file really inside the run dir is readable', () => {
    const { dir, rels } = plant();
    expect(evidenceFile(dir, rels.ok)).toMatchObject({ ok: true, size: 5 });
    expect(evidenceFile(dir, rels.fileLink)).toMatchObject({ ok: false, problem: 'symlink' });
    expect(evidenceFile(dir, rels.insideLink)).toMatchObject({ ok: false, problem: 'symlink' });
    expect(evidenceFile(dir, rels.dirLink)).toMatchObject({ ok: false, problem: 'symlink' });
    expect(evidenceFile(dir, rels.dir)).toMatchObject({ ok: false, problem: 'not-regular' });
    if (existsSync(join(dir, rels.fifo)))
      expect(evidenceFile(dir, rels.fifo)).toMatchObject({ ok: false, problem: 'not-regular' });
    expect(evidenceFile(dir, rels.outside)).toMatchObject({ ok: false, problem: 'outside' });
    expect(evidenceFile(dir, rels.missing)).toMatchObject({ ok: false, problem: 'missing' });
  });

  it('a run dir reached through a link (docs/qa/evidence/latest) is fine', () => {
    const { dir, rels } = plant();
    const latest = join(root, `latest-${++n}`);
    symlinkSync(dir, latest);
    expect(evidenceFile(latest, rels.ok)).toMatchObject({ ok: true });
    expect(readAttachment(latest, rels.ok).content).toBe('fine\n');
  });

  it('the HTML report never shows what a link points at', () => {
    const { dir, rels } = plant();
    for (const r of [rels.fileLink, rels.insideLink, rels.dirLink, rels.dir, rels.outside]) {
      const a = readAttachment(dir, r);
      expect(a.kind, r).toBe('outside');
      expect(a.content).toBe('');
    }
    expect(readAttachment(dir, rels.fileLink).reason).toMatch(/symlink/);
    expect(readAttachment(dir, rels.missing).kind).toBe('missing');
    expect(readAttachment(dir, rels.ok)).toMatchObject({ kind: 'text', content: 'fine\n' });
  });

  it('the gate counts refused evidence as incomplete, naming why', () => {
    const { dir, rels } = plant();
    const run = { dir, runId: 'r', runJson: undefined } as unknown as RunDir;
    const check = {
      id: 'X-010',
      cluster: 'c1',
      outcome: 'failed',
      runDir: dir,
      evidence: [rels.ok, rels.fileLink, rels.dirLink, rels.dir, rels.outside],
    } as unknown as CheckResult;
    const s = assessEvidence([run], [check]);
    expect(s.complete).toBe(false);
    const text = s.problems.join('\n');
    expect(text).toContain(`evidence ${rels.fileLink} is a symlink`);
    expect(text).toContain(`evidence ${rels.dirLink} is a symlink`);
    expect(text).toContain(`evidence ${rels.dir} is not a regular file`);
    expect(text).toContain(`evidence path ${rels.outside} points outside the run dir`);
    expect(text).not.toContain(rels.ok);
  });

  it('reads a bounded number of bytes of a huge attachment, head and tail, redacted', () => {
    const dir = runDir();
    mkdirSync(join(dir, 'attachments/X-020'), { recursive: true });
    const line = (i: number) => `line ${i} password: hunter2-${i} ${'x'.repeat(60)}\n`;
    const body = Array.from({ length: Math.ceil((3 * MAX_READ_BYTES) / 90) }, (_, i) => line(i)).join('');
    writeFileSync(join(dir, 'attachments/X-020/big.log'), body);
    const a = readAttachment(dir, 'attachments/X-020/big.log');
    expect(a.size).toBe(Buffer.byteLength(body));
    expect(a.truncated).toBe(true);
    expect(a.content).toContain('line 0 ');
    expect(a.content).not.toMatch(/hunter2/);
  });
});
