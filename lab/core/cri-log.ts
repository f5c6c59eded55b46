/**
 * KWOK serves `kubectl logs` from a file in the kubelet's CRI log format
 * (`<RFC3339Nano> stdout F <line>`); a plain text file is rejected ("unsupported log format").
 * Lab processes write plain logs, so a plain file routed with routeLogs is registered here and
 * the pod runtime mirrors it, line by line, into a CRI-format copy that KWOK reads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LogMirror {
  /** plain text file a process writes */
  source: string;
  /** CRI-format copy KWOK serves */
  target: string;
}

/** one CRI log line per text line */
export function criLine(line: string, stream: 'stdout' | 'stderr' = 'stdout', at = new Date()): string {
  // RFC3339Nano-like; Date has ms precision, pad to ns
  const ts = at.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  return `${ts} ${stream} F ${line}\n`;
}

export function mirrorDir(dataDir: string): string {
  return path.join(dataDir, 'log-mirrors');
}

/** register source for mirroring; returns the CRI file to give KWOK */
export function registerLogMirror(dataDir: string, source: string): string {
  const dir = mirrorDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const id = crypto.createHash('sha1').update(path.resolve(source)).digest('hex').slice(0, 16);
  const target = path.join(dir, `${id}.cri.log`);
  const rec: LogMirror = { source: path.resolve(source), target };
  fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(rec));
  if (!fs.existsSync(target)) fs.writeFileSync(target, '');
  return target;
}

export function listLogMirrors(dataDir: string): LogMirror[] {
  const dir = mirrorDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as LogMirror];
      } catch {
        return [];
      }
    });
}

/**
 * Copies new complete lines of every registered source into its target, converting them.
 * Call tick() periodically; offsets live in memory, and a target is rebuilt from the start of
 * its source when the mirror (re)starts or the source shrinks (rotated/truncated).
 */
export function createLogMirrorer(dataDir: string): { tick(): void } {
  const offsets = new Map<string, number>();
  return {
    tick() {
      for (const m of listLogMirrors(dataDir)) {
        let size: number;
        try {
          size = fs.statSync(m.source).size;
        } catch {
          continue; // source not written yet
        }
        let offset = offsets.get(m.target);
        if (offset === undefined || size < offset) {
          fs.writeFileSync(m.target, '');
          offset = 0;
        }
        if (size === offset) {
          offsets.set(m.target, offset);
          continue;
        }
        const fd = fs.openSync(m.source, 'r');
        const buf = Buffer.alloc(Math.min(size - offset, 4 << 20));
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        fs.closeSync(fd);
        const text = buf.subarray(0, n).toString('utf8');
        const end = text.lastIndexOf('\n');
        if (end < 0) {
          offsets.set(m.target, offset);
          continue; // wait for a complete line
        }
        const lines = text.slice(0, end).split('\n');
        fs.appendFileSync(m.target, lines.map((l) => criLine(l)).join(''));
        offsets.set(m.target, offset + Buffer.byteLength(text.slice(0, end + 1)));
      }
    },
  };
}
