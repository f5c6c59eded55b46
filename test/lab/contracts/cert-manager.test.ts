/**
 * NET-CERT-001's decision (`certificateProblems`) on what cert-manager's real controller writes
 * (lab/services/cert-manager.ts, v1.11.5, namespace pv-cert-lab): a CA chain it signs itself
 * (SelfSigned Issuer -> CA Certificate -> CA Issuer -> a wildcard Certificate) passes, and the
 * status the check reads agrees with the x509 certificate in the Secret; a CA Issuer whose key pair
 * Secret is missing ("an issuer that cannot sign") fails, naming the issuer and the missing
 * notAfter. The lab's simulated wildcard-cert status is held against the real one's shape.
 * Needs the lab up (`pnpm lab up`).   npx vitest run --project lab test/lab/contracts/cert-manager.test.ts
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { certificateProblems } from '../../../helpers/probes/certificates.js';
import { conditionOf, type KObject } from '../../../helpers/reads/k8s.js';
import { loadLabContext } from '../../../lab/core/index.js';
import { TOPOLOGY } from '../../../lab/core/topology.js';
import { CERT_MANAGER_LAB_NAMESPACE as NS, certManagerProcess } from '../../../lab/services/cert-manager.js';

const ctx = loadLabContext();
const CLUSTER = 'infra' as const;
const DNS = '*.lab.example';
const kubectl = (args: string[], input?: string) =>
  execFileSync(
    ctx.kubectl,
    ['--kubeconfig', ctx.paths.kubeconfig, '--context', TOPOLOGY[CLUSTER].context, ...args],
    { encoding: 'utf8', input, timeout: 60_000 },
  );
const get = (kind: string, name: string, ns = NS) =>
  JSON.parse(kubectl(['-n', ns, 'get', kind, name, '-o', 'json'])) as KObject;
const issuer = (name: string, spec: object) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Issuer',
  metadata: { name, namespace: NS },
  spec,
});
const certificate = (name: string, spec: object) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name, namespace: NS },
  spec: { privateKey: { algorithm: 'ECDSA', size: 256 }, ...spec },
});
const OBJECTS = [
  issuer('pv-selfsigned', { selfSigned: {} }),
  certificate('pv-lab-ca', {
    isCA: true,
    commonName: 'pv-lab-ca',
    secretName: 'pv-lab-ca',
    issuerRef: { kind: 'Issuer', name: 'pv-selfsigned' },
  }),
  issuer('pv-ca', { ca: { secretName: 'pv-lab-ca' } }),
  certificate('pv-wildcard', {
    secretName: 'pv-wildcard-tls',
    issuerRef: { kind: 'Issuer', name: 'pv-ca' },
    commonName: DNS,
    dnsNames: ['lab.example', DNS],
  }),
  // the fault: a CA Issuer whose key pair Secret does not exist cannot sign anything
  issuer('pv-broken-ca', { ca: { secretName: 'pv-no-such-ca' } }),
  certificate('pv-unsignable', {
    secretName: 'pv-unsignable-tls',
    issuerRef: { kind: 'Issuer', name: 'pv-broken-ca' },
    dnsNames: [DNS],
  }),
];

/** The object once the controller has set its Ready condition to `status` (vitest's waitFor, bounded). */
const readyIs = (kind: string, name: string, status: 'True' | 'False') =>
  vi.waitFor(
    () => {
      const o = get(kind, name);
      const ready = conditionOf(o, 'Ready');
      if (ready?.status !== status)
        throw new Error(`${kind} ${NS}/${name}: Ready=${ready?.status ?? 'unset'}, waiting for ${status}`);
      return o;
    },
    { timeout: 90_000, interval: 1_000 },
  );

describe('cert-manager v1.11.5 (real controller) against NET-CERT-001', () => {
  beforeAll(async () => {
    if (!ctx.procs.isRunning(certManagerProcess(CLUSTER)))
      throw new Error(`${certManagerProcess(CLUSTER)} is not running (run \`pnpm lab up\`)`);
    // a run seconds after the last one finds the namespace still terminating
    await vi.waitFor(
      () => {
        const phase = kubectl([
          'get',
          'namespace',
          NS,
          '--ignore-not-found',
          '-o',
          'jsonpath={.status.phase}',
        ]);
        if (phase === 'Terminating') throw new Error(`namespace ${NS} is still terminating`);
      },
      { timeout: 60_000, interval: 1_000 },
    );
    kubectl(['apply', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }));
    kubectl(['apply', '-f', '-'], OBJECTS.map((o) => stringify(o)).join('---\n'));
  });
  afterAll(() => {
    kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
  });

  it('a Certificate the controller issued passes, and its status matches the x509 in the Secret', async () => {
    const cert = await readyIs('certificate', 'pv-wildcard', 'True');
    const ca = get('issuer', 'pv-ca');
    expect(certificateProblems(cert, ca, DNS, new Date())).toEqual([]);

    const secret = get('secret', 'pv-wildcard-tls');
    const x509 = new X509Certificate(
      Buffer.from((secret as { data: Record<string, string> }).data['tls.crt']!, 'base64'),
    );
    expect(x509.subjectAltName?.split(', ').sort()).toEqual(['DNS:*.lab.example', 'DNS:lab.example']);
    expect(Date.parse(cert.status!.notAfter as string)).toBe(Date.parse(x509.validTo));
    expect(x509.issuer).toContain('CN=pv-lab-ca');
  });

  it('an Issuer that cannot sign turns the check red, naming the issuer and the missing notAfter', async () => {
    const broken = await readyIs('issuer', 'pv-broken-ca', 'False');
    const cert = await readyIs('certificate', 'pv-unsignable', 'False');
    const problems = certificateProblems(cert, broken, DNS, new Date());
    expect(problems.join('\n')).toMatch(/Certificate pv-cert-lab\/pv-unsignable: Ready=False/);
    expect(problems.join('\n')).toMatch(/no notAfter \(never issued\)/);
    expect(problems.join('\n')).toMatch(/its issuer Issuer pv-broken-ca Ready=False/);
  });

  it("the lab's simulated wildcard-cert writes the real controller's status shape", async () => {
    const real = await readyIs('certificate', 'pv-wildcard', 'True');
    const sim = get('certificate', 'wildcard-cert', 'cert-manager');
    const keys = (o: KObject) => Object.keys(o.status ?? {}).sort();
    expect(keys(real).filter((k) => !keys(sim).includes(k))).toEqual([]);
    const pick = (o: KObject) => {
      const c = conditionOf(o, 'Ready')!;
      return { status: c.status, reason: c.reason, message: c.message };
    };
    expect(pick(sim)).toEqual(pick(real));
  });
});
