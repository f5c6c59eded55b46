// Evidence embedded in the report: redacted, bounded, never read from outside the run dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LINES, readAttachment } from '../../../reports/html/attachments.js';
import { tmp } from './helpers.js';

describe('readAttachment', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'attachments/X-001'), { recursive: true });

  it('keeps head and tail of a long log and says how much was cut', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    writeFileSync(join(dir, 'attachments/X-001/pod.log'), lines.join('\n'));
    const a = readAttachment(dir, 'attachments/X-001/pod.log');
    expect(a.truncated).toBe(true);
    expect(a.content.split('\n').length).toBeLessThanOrEqual(MAX_LINES + 1);
    expect(a.content).toContain('line 0\n');
    expect(a.content).toContain('line 499');
    expect(a.content).toMatch(/\.\.\. 380 lines omitted \.\.\./);
  });

  it('redacts credentials and pretty-prints JSON', () => {
    writeFileSync(
      join(dir, 'attachments/X-001/s.json'),
      '{"url":"postgres://app:pa55word@db:5432/app","password":"pa55word"}',
    );
    const a = readAttachment(dir, 'attachments/X-001/s.json');
    expect(a.kind).toBe('json');
    expect(a.content).not.toContain('pa55word');
    expect(a.content).toContain('"url": "postgres://app:***REDACTED***@db:5432/app"');
  });

  it('names binaries by size, refuses paths leaving the run dir, reports missing files', () => {
    writeFileSync(join(dir, 'attachments/X-001/core.bin'), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    expect(readAttachment(dir, 'attachments/X-001/core.bin')).toMatchObject({
      kind: 'binary',
      size: 4,
      content: '',
    });
    expect(readAttachment(dir, '../../etc/passwd')).toMatchObject({ kind: 'outside', content: '' });
    expect(readAttachment(dir, 'attachments/X-001/nope.txt').kind).toBe('missing');
  });
});
