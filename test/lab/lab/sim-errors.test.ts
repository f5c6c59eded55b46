/**
 * A simulated write the API server refuses is loud (issue 13): it used to be one line in
 * sim-operators.log while `lab up` / `lab reset` succeeded on whatever status an older lab had left
 * (a false green). Here a ValidatingAdmissionPolicy of the test refuses the simulated Gateway
 * controller's status write for one Gateway of a test namespace; `lab reset` must fail naming it,
 * `lab status` must show it, `.lab/sim/operators-errors.json` must record it, and once the policy is
 * gone the next pass clears it and `lab reset` succeeds again. Needs the lab up; leaves it healthy.
 *   npx vitest run --project lab test/lab/lab/sim-errors.test.ts
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLabContext } from '../../../lab/core/index.js';
import { REPO } from '../framework/lab.js';

const run = promisify(execFile);
const ctx = loadLabContext({ log: () => {} });
const kc = ctx.clusters.apps.kc;
const id = crypto.randomBytes(3).toString('hex');
const ns = `pv-lab-simerr-${id}`;
const policy = `pv-lab-simerr-${id}`;
const gw = 'refused-status';
const PROBE = 'policy-probe';
const MESSAGE = `pv-lab test ${id}: this Gateway's status is refused`;
// the state file of lab/sim/sim-errors.ts, spelled out so the test runs (and fails) on code without it
const errorsFile = path.join(ctx.paths.root, 'sim', 'operators-errors.json');
const admission = kc.makeApiClient(AdmissionregistrationV1Api);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
    await sleep(250);
  }
}

async function lab(args: string[]): Promise<{ code: number; out: string }> {
  return run('pnpm', ['lab', ...args], { cwd: REPO, timeout: 240_000 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof e.code === 'number' ? e.code : -1,
      out: (e.stdout ?? '') + (e.stderr ?? ''),
    }),
  );
}

type Pass = {
  pass: number;
  startedAt: string;
  errors: {
    cluster: string;
    part: string;
    object?: Record<string, string>;
    code?: number;
    message: string;
  }[];
};
const readPass = (): Pass | undefined => {
  try {
    return JSON.parse(fs.readFileSync(errorsFile, 'utf8')) as Pass;
  } catch {
    return undefined;
  }
};

const createGateway = (name: string, dryRun?: 'All') =>
  custom.createNamespacedCustomObject({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    namespace: ns,
    plural: 'gateways',
    dryRun,
    body: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: ns },
      spec: { gatewayClassName: 'cilium', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
    },
  });

async function removePolicy(): Promise<void> {
  await admission.deleteValidatingAdmissionPolicyBinding({ name: policy }).catch(() => undefined);
  await admission.deleteValidatingAdmissionPolicy({ name: policy }).catch(() => undefined);
}

afterAll(async () => {
  await removePolicy();
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('a refused simulated write fails the lab', () => {
  it(
    'lab reset fails naming cluster, part, object and message; lab status shows it; it clears once fixed',
    { timeout: 600_000 },
    async () => {
      await core.createNamespace({ body: { metadata: { name: ns } } });
      await admission.createValidatingAdmissionPolicy({
        body: {
          metadata: { name: policy },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [
                {
                  apiGroups: ['gateway.networking.k8s.io'],
                  apiVersions: ['*'],
                  operations: ['CREATE', 'UPDATE'],
                  resources: ['gateways', 'gateways/status'],
                },
              ],
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
            },
            // refuses every status write, and the creation of the probe Gateway (which tells the
            // test the policy is in force); the test's own Gateway is created normally
            validations: [
              {
                // subResource is absent (not '') on a request to the object itself
                expression: `!(has(request.subResource) && request.subResource == 'status') && object.metadata.name != '${PROBE}'`,
                message: MESSAGE,
                reason: 'Invalid',
              },
            ],
          },
        },
      });
      await admission.createValidatingAdmissionPolicyBinding({
        body: {
          metadata: { name: policy },
          spec: { policyName: policy, validationActions: ['Deny'] },
        },
      });
      // A new policy is enforced only once the API server's informer has it (about a second, more
      // on a loaded host). Created before that, the Gateway got its status written, later passes had
      // nothing to write, and `lab reset` rightly succeeded: the race CI hit. A dry-run create of
      // the probe Gateway is refused exactly when the policy is in force.
      await waitFor('the admission policy is in force', 60_000, async () => {
        const refused = await createGateway(PROBE, 'All').then(
          () => false,
          (e: { code?: number; body?: unknown }) => e.code === 422 && String(e.body).includes(MESSAGE),
        );
        return refused || undefined;
      });
      await createGateway(gw);
      // the simulated controller answers the Gateway: its Service and LB-IPAM address (not refused),
      // then the status write for it (refused)
      await waitFor('the simulated Gateway Service gets an address', 60_000, async () => {
        const svc = await core.readNamespacedService({ name: `cilium-gateway-${gw}`, namespace: ns });
        return svc.status?.loadBalancer?.ingress?.[0]?.ip;
      });

      const reset = await lab(['reset']);
      console.log(
        `lab reset (exit ${reset.code}):\n${reset.out
          .split('\n')
          .filter((l) => /sim-operators|gateways|operators-errors/.test(l))
          .join('\n')}`,
      );
      expect(reset.code, reset.out.slice(-3000)).not.toBe(0);
      expect(reset.out).toMatch(new RegExp(`apps gateways: Gateway ${ns}/${gw}: 422 .*${MESSAGE}`));

      const status = await lab(['status']);
      expect(status.code, status.out.slice(-3000)).toBe(1);
      expect(status.out).toMatch(/sim operators: pass \d+ .*ERROR/);
      expect(status.out).toContain(`apps gateways: Gateway ${ns}/${gw}: 422`);

      const refused = readPass()?.errors.find((e) => e.object?.name === gw);
      expect(refused).toMatchObject({
        cluster: 'apps',
        part: 'gateways',
        object: { kind: 'Gateway', namespace: ns, name: gw },
        code: 422,
      });
      expect(refused?.message).toContain(MESSAGE);

      // fixed: the next complete pass writes the status and records no error
      await removePolicy();
      const fixedAt = Date.now();
      const clean = await waitFor('a pass without errors after the policy is gone', 30_000, async () => {
        const p = readPass();
        return p && Date.parse(p.startedAt) > fixedAt && p.errors.length === 0 ? p : undefined;
      });
      expect(clean.errors).toEqual([]);
      const g = (await custom.getNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: ns,
        plural: 'gateways',
        name: gw,
      })) as { status?: { listeners?: unknown[] } };
      expect(g.status?.listeners?.length).toBe(1);

      await core.deleteNamespace({ name: ns });
      const again = await lab(['reset']);
      expect(again.code, again.out.slice(-3000)).toBe(0);
      expect(again.out).toMatch(/operator pass \d+ after seeding had no errors/);
    },
  );
});
