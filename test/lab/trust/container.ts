// The process the in-cluster image starts, read from its recipe (deploy/Containerfile: WORKDIR, ENV,
// ENTRYPOINT, CMD) and from the Job that runs it (deploy/job.yaml: args, env), so a test can start that
// same command line from this checkout. No engine builds the image here; what the image adds around
// this process (node, git, the installed node_modules) is what `pnpm install` gives the checkout.
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from '../framework/lab.js';

export interface ImageProcess {
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** Instructions with continuation lines joined; comments dropped. */
function instructions(text: string): { op: string; rest: string }[] {
  const out: { op: string; rest: string }[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!cur && (line === '' || line.startsWith('#'))) continue;
    cur += (cur ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(cur);
    if (m) out.push({ op: m[1]!.toUpperCase(), rest: m[2]! });
    cur = '';
  }
  return out;
}

function execForm(file: string, op: string, rest: string): string[] {
  try {
    const v = JSON.parse(rest) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* shell form */
  }
  throw new Error(`${file}: ${op} must be in exec form (a JSON array of strings), got ${rest}`);
}

export function readImageProcess(file = path.join(REPO, 'deploy', 'Containerfile')): ImageProcess {
  const p: ImageProcess = { workdir: '/', env: {}, entrypoint: [], cmd: [] };
  for (const { op, rest } of instructions(fs.readFileSync(file, 'utf8'))) {
    if (op === 'WORKDIR') p.workdir = rest;
    else if (op === 'ENV')
      for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) p.env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    else if (op === 'ENTRYPOINT') p.entrypoint = execForm(file, op, rest);
    else if (op === 'CMD') p.cmd = execForm(file, op, rest);
  }
  if (!p.entrypoint.length) throw new Error(`${file}: no ENTRYPOINT`);
  return p;
}

export interface JobContainer {
  args: string[];
  env: Record<string, string>;
}

export function readJobContainer(file = path.join(REPO, 'deploy', 'job.yaml')): JobContainer {
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const o = doc.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: {
            containers?: { args?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[] }[];
          };
        };
      };
    } | null;
    const c = o?.kind === 'Job' ? o.spec?.template?.spec?.containers?.[0] : undefined;
    if (c) {
      // a value from a Secret/ConfigMap/field exists only in a pod: refuse rather than run without it
      const fromRefs = (c.env ?? []).filter((e) => e.valueFrom !== undefined).map((e) => e.name);
      if (fromRefs.length)
        throw new Error(
          `${file}: env ${fromRefs.join(', ')} use valueFrom; only literal values can be run here`,
        );
      return {
        args: c.args ?? [],
        env: Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ''])),
      };
    }
  }
  throw new Error(`${file}: no Job with a container`);
}
