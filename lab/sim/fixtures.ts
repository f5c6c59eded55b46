/**
 * Load the seed fixtures of one cluster: lab/sim/fixtures/common/*.yaml then
 * lab/sim/fixtures/<cluster>/*.yaml, in file-name order, `${VAR}`-substituted, parsed and checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { substitute, type Values } from './values.js';

export const FIXTURES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Where an object came from, for error messages. */
export interface Sourced {
  obj: K8sObject;
  source: string;
}

export function fixtureFiles(cluster: string): string[] {
  const out: string[] = [];
  for (const dir of ['common', cluster]) {
    const d = path.join(FIXTURES_DIR, dir);
    if (!fs.existsSync(d)) continue;
    for (const f of fs
      .readdirSync(d)
      .filter((n) => n.endsWith('.yaml'))
      .sort())
      out.push(path.join(d, f));
  }
  return out;
}

export function parseFixture(file: string, values: Values): Sourced[] {
  const rel = path.relative(path.dirname(FIXTURES_DIR), file);
  const text = substitute(fs.readFileSync(file, 'utf8'), values, rel);
  const out: Sourced[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) throw new Error(`${rel} document ${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as K8sObject | null;
    if (obj === null) return;
    const where = `${rel} document ${i + 1}`;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string')
      throw new Error(`${where}: expected apiVersion and kind`);
    if (!obj.metadata || typeof obj.metadata.name !== 'string' || !obj.metadata.name)
      throw new Error(`${where}: expected metadata.name`);
    out.push({
      obj,
      source: `${where} (${obj.kind} ${obj.metadata.namespace ? obj.metadata.namespace + '/' : ''}${obj.metadata.name})`,
    });
  });
  return out;
}

export function loadFixtures(cluster: string, values: Values): Sourced[] {
  return fixtureFiles(cluster).flatMap((f) => parseFixture(f, values));
}
