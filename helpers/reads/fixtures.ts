/** Load manifests and data from fixtures/ (parsed fresh on every call, so callers may mutate). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
);

export function fixtureText(rel: string): string {
  const file = path.join(FIXTURES_DIR, rel);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`fixture ${path.relative(process.cwd(), file)} cannot be read: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export function fixtureYaml<T = Record<string, unknown>>(rel: string): T {
  const doc = parse(fixtureText(rel)) as unknown;
  if (doc === null || typeof doc !== 'object') throw new Error(`fixture ${rel}: expected a YAML object`);
  return doc as T;
}

export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(fixtureText(rel)) as T;
}
