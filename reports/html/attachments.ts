// Evidence attachments embedded in the report: text and JSON inline (redacted, bounded), binary
// files named with their size only. Paths never leave the run dir.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { redact } from '../../helpers/evidence/redact.js';
import { evidencePath } from '../gate/evidence.js';

export const MAX_CHARS = 6000;
export const MAX_LINES = 120;

export interface Attachment {
  path: string;
  kind: 'text' | 'json' | 'binary' | 'missing' | 'outside';
  content: string;
  size: number;
  truncated: boolean;
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

export function readAttachment(runDir: string, path: string): Attachment {
  const abs = evidencePath(runDir, path);
  if (!abs) return { path, kind: 'outside', content: '', size: 0, truncated: false };
  if (!existsSync(abs) || !statSync(abs).isFile())
    return { path, kind: 'missing', content: '', size: 0, truncated: false };
  const buf = readFileSync(abs);
  if (buf.subarray(0, 8192).includes(0)) {
    return { path, kind: 'binary', content: '', size: buf.length, truncated: false };
  }
  let text = buf.toString('utf8');
  let kind: Attachment['kind'] = 'text';
  if (/\.json$/i.test(path)) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
      kind = 'json';
    } catch {
      // Not valid JSON after all: show it as text.
    }
  }
  const { content, truncated } = bound(redact(text));
  return { path, kind, content, size: buf.length, truncated };
}
