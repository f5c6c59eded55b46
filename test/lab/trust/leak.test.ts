// The leak corpus, against the lab: a known secret pushed through each path (test/fixtures/leak) and
// searched for, raw and encoded, in stdout, stderr, JUnit, run.json, attachments, report.html and the
// gate files: 0 bytes. Each vector's non-secret canary goes through the same path and must appear, so
// a vector cannot pass by never reaching the outputs. Two runs: the fixture catalogue, and a config
// whose kubeconfig is malformed YAML holding a token.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main as gateMain } from '../../../reports/gate/cli.js';
import { closedPort, runPv, walk, type PvResult } from '../../unit/harness.js';
import { LAB_KUBECONFIG, REPO, writeLabConfig } from './lib.js';

const FIXTURE = 'test/fixtures/leak/leak.test.ts';

/** The vectors, from the fixture itself (its check ids and pattern table), so a new one is one line there. */
export function leakVectors(): string[] {
  const src = readFileSync(path.join(REPO, FIXTURE), 'utf8');
  const checks = [...src.matchAll(/check\(meta\('([A-Z0-9]+)'\)/g)].map((m) => m[1]!);
  const table = src.slice(src.indexOf('const patterns'), src.indexOf('};', src.indexOf('const patterns')));
  const patterns = [...table.matchAll(/^ {2}([A-Z0-9]+): \(s\)/gm)].map((m) => m[1]!);
  return [...checks, ...patterns, 'KUBECONFIG'];
}

const hex = (n: number) => randomBytes(n).toString('hex');
const vectors = leakVectors();
const seed: Record<string, { secret: string; canary: string }> = Object.fromEntries(
  vectors.map((vec) => {
    let secret = `pvsec${hex(10)}`;
    if (vec === 'JSONESC') secret = `pa"ss\\word-${hex(6)}`;
    if (vec === 'MULTILINE')
      secret = `-----BEGIN KEY-----\nLINE${hex(12)}\nLINE${hex(12)}\n-----END KEY-----`;
    return [vec, { secret, canary: `pvcanary${vec.toLowerCase()}${hex(4)}` }];
  }),
);

/** The forms of a vector's secret that must not appear anywhere. */
function forms(vec: string): string[] {
  const s = seed[vec]!.secret;
  const out = [s, Buffer.from(s).toString('base64'), JSON.stringify(s).slice(1, -1)];
  if (vec === 'BASIC') out.push(Buffer.from(`admin:${s}`).toString('base64'));
  if (vec === 'MULTILINE') out.push(...s.split('\n').filter((l) => l.startsWith('LINE')));
  if (vec === 'JSONESC') out.push(JSON.stringify(JSON.stringify(s)).slice(1, -1));
  return [...new Set(out)];
}

let outputs: { where: string; text: string }[] = [];
let main: PvResult;
let kube: PvResult;

describe('leak corpus', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pv-leak-'));
    const config = writeLabConfig(dir, LAB_KUBECONFIG, (n) => `lab-${n}`);
    main = await runPv(
      ['--project', 'infra'],
      {
        PV_CONFIG: config,
        PV_SUITES: FIXTURE,
        PV_LEAK_SEED: JSON.stringify(seed),
        PV_LEAK_CLOSED_PORT: String(await closedPort()),
      },
      180_000,
    );
    const gates = mkdtempSync(path.join(dir, 'gates-'));
    const gateLines: string[] = [];
    if (main.runDir)
      await gateMain(
        ['--run', main.runDir, '--gates-dir', gates, '--history', '1'],
        (s) => gateLines.push(s),
        (s) => gateLines.push(s),
      );
    // the malformed kubeconfig: its token on the line the YAML parser complains about
    const kdir = mkdtempSync(path.join(os.tmpdir(), 'pv-leak-kc-'));
    const kc = path.join(kdir, 'kubeconfig');
    writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user:\n    token: ${seed.KUBECONFIG!.secret}: oops\ncontexts:\n- name: ${seed.KUBECONFIG!.canary}\n  context: {cluster: c, user: u}\n`,
    );
    const kconfig = writeLabConfig(kdir, kc, () => seed.KUBECONFIG!.canary);
    kube = await runPv(['--project', 'infra'], { PV_CONFIG: kconfig, PV_SUITES: FIXTURE }, 120_000);
    outputs = [
      { where: 'stdout', text: main.stdout },
      { where: 'stderr', text: main.stderr },
      { where: 'gate output', text: gateLines.join('\n') },
      { where: 'kubeconfig run stdout', text: kube.stdout },
      { where: 'kubeconfig run stderr', text: kube.stderr },
      ...[main.runDir, kube.runDir, gates]
        .filter((d): d is string => !!d && existsSync(d))
        .flatMap(walk)
        .map((f) => ({ where: path.relative(os.tmpdir(), f), text: readFileSync(f, 'latin1') })),
    ];
  }, 400_000);

  it('the fixture run ran its vectors (failed checks, evidence, report and gate files written)', () => {
    expect(main.code, `${main.stdout}\n${main.stderr}`.slice(-3000)).toBe(1);
    expect(outputs.some((o) => o.where.endsWith('report.html'))).toBe(true);
    expect(outputs.some((o) => o.where.endsWith('platform.yml'))).toBe(true);
    expect(kube.code, kube.stderr).not.toBe(0);
  });

  for (const vec of vectors) {
    it(`${vec}: the secret appears nowhere, its canary does`, () => {
      const leaks = outputs.flatMap((o) =>
        forms(vec)
          .filter((f) => o.text.includes(f))
          .map(
            (f) =>
              `${o.where} holds ${f === seed[vec]!.secret ? 'the secret' : `an encoded form (${f.length} chars)`}`,
          ),
      );
      expect(leaks).toEqual([]);
      expect(
        outputs.filter((o) => o.text.includes(seed[vec]!.canary)).map((o) => o.where),
        `the canary of ${vec} reached no output: the vector did not exercise its path`,
      ).not.toEqual([]);
    });
  }
});
