// MSG-SR-001 against Confluent Schema Registry's REST answers as its API reference documents them
// (test/contracts/schema-registry): each session is replayed by a loopback HTTP server that answers
// only the exchanges it lists, in order, so the check's client must make exactly those requests;
// the healthy session passes and each failing one fails naming what the registry did.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { fixtureText } from '../../../helpers/reads/fixtures.js';
import { SchemaRegistryClient } from '../../../helpers/reads/schema-registry.js';
import { subjectLifecycle, subjectSessionProblems } from '../../../helpers/probes/schema-registry.js';
import { fakeEvidence, fakeRun } from '../probes/fake-run.js';

const dir = path.join(REPO_ROOT, 'test', 'contracts', 'schema-registry');
const read = <T>(file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
interface Exchange {
  method: string;
  path: string;
  schema?: 'v1' | 'compatible' | 'incompatible';
  status: number;
  body: unknown;
}
const schemas = {
  v1: fixtureText('messaging/order-v1.avsc'),
  compatible: fixtureText('messaging/order-v2-compatible.avsc'),
  incompatible: fixtureText('messaging/order-v3-incompatible.avsc'),
};
const { shapes } = read<{ shapes: { file: string; expect: string }[] }>('shapes.json');

/** Replays `exchanges` for `subject`; a request off the script is answered 500 and recorded. */
async function replay(exchanges: Exchange[], subject: string, run: (url: string) => Promise<unknown>) {
  const fill = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('{subject}', subject)) as unknown;
  const script = exchanges.map((e) => ({
    ...e,
    path: e.path.replaceAll('{subject}', encodeURIComponent(subject)),
  }));
  const offScript: string[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += String(d)));
    req.on('end', () => {
      const want = script[next];
      const sent = body ? (JSON.parse(body) as { schema?: string; schemaType?: string }) : undefined;
      const ok =
        want &&
        req.method === want.method &&
        req.url === want.path &&
        (!want.schema || (sent?.schema === schemas[want.schema] && sent.schemaType === 'AVRO'));
      if (!ok) {
        offScript.push(
          `${req.method} ${req.url} (expected ${want ? `${want.method} ${want.path}` : 'nothing'})`,
        );
        res.writeHead(500).end();
        return;
      }
      next++;
      res.writeHead(want.status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(fill(want.body)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const out = await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return { out, offScript, unused: script.length - next };
  } finally {
    server.close();
  }
}

describe('Schema Registry contract sessions: MSG-SR-001', () => {
  it('has a healthy and a failing session', () => {
    expect(shapes.some((s) => s.expect === 'pass')).toBe(true);
    expect(shapes.some((s) => s.expect !== 'pass')).toBe(true);
  });

  it.each(shapes.map((s) => [`${s.file}: ${s.expect}`, s] as const))('%s', async (_n, s) => {
    const { run } = fakeRun();
    const subject = `${run.name('pv-subject')}-abc123-value`;
    const { exchanges } = read<{ exchanges: Exchange[] }>(s.file);
    const r = await replay(exchanges, subject, (url) =>
      subjectLifecycle(new SchemaRegistryClient(url), subject, schemas, run, fakeEvidence().evidence),
    );
    expect(r.offScript, 'requests the registry was not asked').toEqual([]);
    expect(r.unused, 'exchanges of the session left unasked').toBe(0);
    const problems = subjectSessionProblems(r.out as Parameters<typeof subjectSessionProblems>[0]).join('; ');
    if (s.expect === 'pass') expect(problems).toBe('');
    else expect(problems).toContain(s.expect);
  });
});
