// Evidence attachments embedded in the report: text and JSON inline (redacted, bounded), binary
// files named with their size only. Paths never leave the run dir.
// Read through reports/gate/evidence.ts evidenceFile (realpath inside the run dir, no symlink, a
// regular file), opened O_NOFOLLOW and checked again on the descriptor, at most MAX_READ_BYTES read.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { redact, redactDeep } from '../../helpers/evidence/redact.js';
import { evidenceFile } from '../gate/evidence.js';

export const MAX_CHARS = 6000;
export const MAX_LINES = 120;
/** Bytes read of one attachment at most (head and tail halves when larger). */
export const MAX_READ_BYTES = 1024 * 1024;

export interface Attachment {
  path: string;
  kind: 'text' | 'json' | 'binary' | 'missing' | 'outside';
  content: string;
  size: number;
  truncated: boolean;
  /** Why an attachment is not shown ('outside': path leaves the run dir, symlink, not a regular file). */
  reason?: string;
}

function bound(s: string): { content: string; truncated: boolean } {
  let out = s;
  let truncated = false;
  const lines = out.split('\n');
  if (lines.length > MAX_LINES) {
    // Keep head and tail: the failing part of a log is often at its end.
    const head = lines.slice(0, MAX_LINES - 40);
    const tail = lines.slice(-40);
    out = [...head, `... ${lines.length - head.length - tail.length} lines omitted ...`, ...tail].join('\n');
    truncated = true;
  }
  if (out.length > MAX_CHARS) {
    out = `${out.slice(0, MAX_CHARS - 1500)}\n... ${out.length - MAX_CHARS} characters omitted ...\n${out.slice(-1500)}`;
    truncated = true;
  }
  return { content: out, truncated };
}

function readBounded(abs: string): { buf: Buffer; size: number; partial: boolean } | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in since the check must not block the gate
    fd = openSync(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined; // a symlink swapped in since the check (ELOOP), or gone
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const read = (pos: number, len: number) => {
      const b = Buffer.alloc(len);
      let n = 0;
      while (n < len) {
        const r = readSync(fd, b, n, len - n, pos + n);
        if (r === 0) break;
        n += r;
      }
      return b.subarray(0, n);
    };
    if (st.size <= MAX_READ_BYTES) return { buf: read(0, st.size), size: st.size, partial: false };
    const half = MAX_READ_BYTES / 2;
    const head = read(0, half);
    const tail = read(st.size - half, half);
    // cut at line ends: a secret straddling a cut would otherwise be half kept (and not matched)
    const h = head.lastIndexOf(0x0a);
    const t = tail.indexOf(0x0a);
    const marker = Buffer.from(`\n... ${st.size - MAX_READ_BYTES} bytes not read ...\n`);
    return {
      buf: Buffer.concat([
        h > 0 ? head.subarray(0, h) : Buffer.alloc(0),
        marker,
        t >= 0 ? tail.subarray(t + 1) : Buffer.alloc(0),
      ]),
      size: st.size,
      partial: true,
    };
  } finally {
    closeSync(fd);
  }
}

export function readAttachment(runDir: string, path: string): Attachment {
  const f = evidenceFile(runDir, path);
  if (!f.ok) {
    const kind = f.problem === 'missing' ? 'missing' : 'outside';
    return { path, kind, content: '', size: 0, truncated: false, reason: f.detail };
  }
  const got = readBounded(f.abs);
  if (!got) return { path, kind: 'outside', content: '', size: 0, truncated: false, reason: 'not read' };
  const { buf, size, partial } = got;
  if (buf.subarray(0, 8192).includes(0)) {
    return { path, kind: 'binary', content: '', size, truncated: false };
  }
  let text = buf.toString('utf8');
  let kind: Attachment['kind'] = 'text';
  if (!partial && /\.json$/i.test(path)) {
    try {
      text = JSON.stringify(redactDeep(JSON.parse(text) as unknown), null, 2);
      kind = 'json';
    } catch {
      // Not valid JSON after all: show it as text.
    }
  }
  const { content, truncated } = bound(redact(text));
  return { path, kind, content, size, truncated: truncated || partial };
}
