// Writing evidence without following links, and bounded. A run dir may be reused or come from a cache
// (actions/cache keeps symlinks): a symlink planted at an attachment's name, or at a directory on its
// way, must never make the run write outside it.
//  - directories below the root are created one by one and each must be a real directory (lstat);
//  - a file is written to a fresh temporary file in its directory (O_CREAT|O_EXCL|O_NOFOLLOW), then
//    renamed over its name: rename replaces a directory entry and never follows it (nor a hard link);
//    an existing symlink or non-regular file at the name is refused all the same, loudly;
//  - names are redacted, then reduced to [A-Za-z0-9._-] and a bounded length;
//  - content is redacted, then capped (head and tail kept, cut at line ends, with a note).
import { randomBytes, createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { redact } from './redact.js';

/** Per attachment (after redaction); a larger one keeps its head and tail with a note. */
export const MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024;

export class EvidenceWriteError extends Error {
  override name = 'EvidenceWriteError';
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const shown = (root: string | undefined, p: string) =>
  root ? path.relative(root, p).split(path.sep).join('/') || '.' : p;

/**
 * A file or directory name fit for evidence: redacted (a registered secret or a credential pattern
 * in a pod or object name never reaches the file system), reduced to [A-Za-z0-9._-], no leading dot,
 * at most `max` characters (a long name keeps its extension and gets a short hash of itself).
 */
export function safeName(s: string, max = 120): string {
  let n =
    redact(String(s))
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '_') || '_';
  if (n.length > max) {
    const ext = /\.[A-Za-z0-9]{1,10}$/.exec(n)?.[0] ?? '';
    const hash = createHash('sha256').update(n).digest('hex').slice(0, 10);
    n = `${n.slice(0, Math.max(1, max - ext.length - 11))}-${hash}${ext}`;
  }
  return n;
}

/**
 * Creates `root/parts...` one level at a time; refuses (EvidenceWriteError) when any of them is a
 * symlink or not a directory. `root` itself may be anything the caller trusts (created when missing).
 */
export function ensureDirUnder(root: string, parts: readonly string[]): string {
  if (!existsSync(root)) mkdirSync(root, { recursive: true });
  let cur = root;
  for (const part of parts) {
    if (!part || part === '.' || part === '..' || part.includes('/') || part.includes(path.sep))
      throw new EvidenceWriteError(`refusing to write under ${shown(root, cur)}: bad path part "${part}"`);
    cur = path.join(cur, part);
    let st = lstatOrUndefined(cur);
    if (!st) {
      try {
        mkdirSync(cur);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      st = lstatSync(cur);
    }
    if (st.isSymbolicLink())
      throw new EvidenceWriteError(
        `refusing to write under ${shown(root, cur)}: it is a symlink (never written through)`,
      );
    if (!st.isDirectory())
      throw new EvidenceWriteError(`refusing to write under ${shown(root, cur)}: not a directory`);
  }
  return cur;
}

export interface WriteNoFollowOptions {
  /** When given: every directory between root and the file must be a real directory (not created). */
  root?: string;
  mode?: number;
}

/**
 * Writes `data` to `file` without following a link: a fresh temporary file in the same directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW) renamed over `file`. Refuses (EvidenceWriteError) when `file` is a
 * symlink or not a regular file, or (with `root`) when a directory on the way is a symlink.
 */
export function writeFileNoFollow(
  file: string,
  data: string | Uint8Array,
  opts: WriteNoFollowOptions = {},
): void {
  const dir = path.dirname(file);
  if (opts.root) {
    const rel = path.relative(opts.root, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new EvidenceWriteError(`refusing to write ${file}: outside ${opts.root}`);
    let cur = opts.root;
    for (const part of rel ? rel.split(path.sep) : []) {
      cur = path.join(cur, part);
      const st = lstatOrUndefined(cur);
      if (!st || st.isSymbolicLink() || !st.isDirectory())
        throw new EvidenceWriteError(
          `refusing to write ${shown(opts.root, file)}: ${shown(opts.root, cur)} is ${!st ? 'missing' : st.isSymbolicLink() ? 'a symlink' : 'not a directory'}`,
        );
    }
  }
  const st = lstatOrUndefined(file);
  if (st?.isSymbolicLink())
    throw new EvidenceWriteError(
      `refusing to write ${shown(opts.root, file)}: it is a symlink (a planted link is never written through)`,
    );
  if (st && !st.isFile())
    throw new EvidenceWriteError(`refusing to write ${shown(opts.root, file)}: not a regular file`);
  const tmp = path.join(
    dir,
    `.${path.basename(file).slice(0, 60)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fd = openSync(tmp, flags, opts.mode ?? 0o644);
  try {
    writeFileSync(fd, data);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or gone
    }
    throw e;
  }
}

/** Index to cut before (head end) or after (tail start) at a line end near `at`, else with a margin. */
function cutAt(s: string, at: number, dir: 'head' | 'tail'): number {
  const WINDOW = 64 * 1024;
  // without a line end nearby, a margin is dropped: a secret straddling the cut is not half kept
  const MARGIN = 4 * 1024;
  if (dir === 'head') {
    const nl = s.lastIndexOf('\n', at);
    return nl >= 0 && nl >= at - WINDOW ? nl : Math.max(0, at - MARGIN);
  }
  const nl = s.indexOf('\n', at);
  return nl >= 0 && nl <= at + WINDOW ? nl + 1 : Math.min(s.length, at + MARGIN);
}

/** Byte offset at or before `at` that starts a UTF-8 character (and, near it, a line). */
function byteCut(buf: Buffer, at: number, dir: 'head' | 'tail'): number {
  let i = Math.max(0, Math.min(buf.length, at));
  const WINDOW = 16 * 1024;
  if (dir === 'head') {
    const nl = buf.lastIndexOf(0x0a, i);
    if (nl >= 0 && nl >= i - WINDOW) return nl + 1;
  } else {
    const nl = buf.indexOf(0x0a, i);
    if (nl >= 0 && nl <= i + WINDOW) return nl + 1;
  }
  while (i > 0 && i < buf.length && (buf[i]! & 0xc0) === 0x80) i += dir === 'head' ? -1 : 1;
  return i;
}

/**
 * `redactFn(content)` at most `maxBytes` long (UTF-8): when longer, its head (a quarter) and tail
 * (the rest: the failing part of a log is usually at its end) with a note of what was cut. A huge
 * input is cut (at line ends) before redaction too, so redaction stays bounded in time and memory.
 */
export function capText(
  content: string,
  maxBytes = MAX_ATTACHMENT_BYTES,
  redactFn: (s: string) => string = redact,
): string {
  let text = content;
  const preChars = maxBytes * 2;
  if (text.length > preChars) {
    const headEnd = cutAt(text, Math.floor(preChars / 4), 'head');
    const tailStart = cutAt(text, text.length - Math.floor((preChars * 3) / 4), 'tail');
    text = `${text.slice(0, headEnd)}\n[... ${tailStart - headEnd} characters omitted ...]\n${text.slice(tailStart)}`;
  }
  text = redactFn(text);
  const total = Buffer.byteLength(text);
  if (total <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  const budget = Math.max(0, maxBytes - 256);
  const headEnd = byteCut(buf, Math.floor(budget / 4), 'head');
  const tailStart = Math.max(headEnd, byteCut(buf, buf.length - (budget - headEnd), 'tail'));
  const omitted = tailStart - headEnd;
  const note = `\n[... attachment truncated by platform-validation: ${omitted} of ${total} bytes omitted (cap ${maxBytes} bytes) ...]\n`;
  return `${buf.subarray(0, headEnd).toString('utf8')}${note}${buf.subarray(tailStart).toString('utf8')}`;
}
