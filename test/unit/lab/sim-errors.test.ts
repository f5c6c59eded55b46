// A refused simulated write is recorded, not only logged (issue 13): the operator loop's errors carry
// cluster, part, object, HTTP code and the API server's message; a race (404, namespace terminating)
// is none; the state file round-trips; `lab up`'s failure names them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../lab/core/context.js';
import type { Kube } from '../../../lab/sim/kube.js';
import { reconcileCluster } from '../../../lab/sim/operators.js';
import {
  MAX_MESSAGE,
  ObjectWriteError,
  formatSimError,
  isRace,
  onObject,
  operatorsStateFile,
  readOperatorPass,
  refusedWritesMessage,
  simErrorOf,
  writeOperatorPass,
  type OperatorPass,
} from '../../../lab/sim/sim-errors.js';

/** what client-node's ApiException carries: code, and the Status as a JSON string body */
function apiError(code: number, status: Record<string, unknown>): Error & { code: number; body: string } {
  return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ...`), {
    code,
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...status }),
  });
}
const LTT =
  'Gateway.gateway.networking.k8s.io "web" is invalid: status.listeners[0].conditions[0].lastTransitionTime: Required value';
const invalid = apiError(422, {
  message: LTT,
  reason: 'Invalid',
  details: { name: 'web', group: 'gateway.networking.k8s.io', kind: 'Gateway' },
});

describe('simErrorOf: what a failed reconcile part records', () => {
  it('an error about a known object: kind, namespace, name, code and the API server message', async () => {
    const e = await onObject({ kind: 'Gateway', namespace: 'networking', name: 'web' }, () =>
      Promise.reject(invalid),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ObjectWriteError);
    // code and body stay where httpCode() and callers read them
    expect((e as ObjectWriteError).code).toBe(422);
    expect(simErrorOf('apps', 'gateways', e)).toEqual({
      cluster: 'apps',
      part: 'gateways',
      object: { kind: 'Gateway', namespace: 'networking', name: 'web' },
      code: 422,
      message: LTT,
    });
    expect(formatSimError(simErrorOf('apps', 'gateways', e)!)).toBe(
      `apps gateways: Gateway networking/web: 422 ${LTT}`,
    );
  });

  it("without a known object, the Status details name it; without a Status, the error's first line", () => {
    expect(simErrorOf('infra', 'lb-ipam', invalid)?.object).toEqual({ kind: 'Gateway', name: 'web' });
    const plain = simErrorOf(
      'infra',
      'exec-routes',
      new Error('connect ECONNREFUSED 127.0.0.1:16443\nstack'),
    );
    expect(plain).toEqual({
      cluster: 'infra',
      part: 'exec-routes',
      message: 'connect ECONNREFUSED 127.0.0.1:16443',
    });
    expect(formatSimError(plain!)).toBe('infra exec-routes: connect ECONNREFUSED 127.0.0.1:16443');
  });

  it('a 404 and a write into a terminating namespace are races (not recorded); another 403 is', () => {
    expect(
      simErrorOf('apps', 'gateways', apiError(404, { message: 'not found', reason: 'NotFound' })),
    ).toBeUndefined();
    const terminating = apiError(403, {
      message:
        'services "cilium-gateway-pruned" is forbidden: unable to create new content in namespace pv-lab-crd-573f0c because it is being terminated',
      reason: 'Forbidden',
      details: {
        name: 'cilium-gateway-pruned',
        kind: 'services',
        causes: [{ reason: 'NamespaceTerminating' }],
      },
    });
    expect(isRace(terminating)).toBe(true);
    expect(
      simErrorOf('apps', 'gateways', new ObjectWriteError({ kind: 'Service', name: 'x' }, terminating)),
    ).toBeUndefined();
    const forbidden = apiError(403, { message: 'denied by policy', reason: 'Forbidden' });
    expect(simErrorOf('apps', 'gateways', forbidden)).toMatchObject({
      code: 403,
      message: 'denied by policy',
    });
  });

  it('a long message is cut (the record stays small)', () => {
    const long = simErrorOf('apps', 'volumes', apiError(422, { message: 'x'.repeat(5000) }))!;
    expect(long.message.length).toBe(MAX_MESSAGE + 1);
    expect(long.message.endsWith('…')).toBe(true);
  });
});

describe('the state file and the failure message', () => {
  it('round-trips a pass; a missing or broken file reads as none', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-sim-errors-'));
    const file = operatorsStateFile(root);
    expect(file).toBe(path.join(root, 'sim', 'operators-errors.json'));
    expect(readOperatorPass(file)).toBeUndefined();
    const pass: OperatorPass = {
      pid: 42,
      pass: 7,
      startedAt: '2026-12-04T22:00:00.000Z',
      finishedAt: '2026-12-04T22:00:00.800Z',
      errors: [
        simErrorOf(
          'apps',
          'gateways',
          new ObjectWriteError({ kind: 'Gateway', namespace: 'n', name: 'web' }, invalid),
        )!,
      ],
    };
    writeOperatorPass(file, pass);
    expect(readOperatorPass(file)).toEqual(pass);
    // replaced on the next pass: a fixed error clears
    writeOperatorPass(file, { ...pass, pass: 8, errors: [] });
    expect(readOperatorPass(file)?.errors).toEqual([]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['operators-errors.json']);
    fs.writeFileSync(file, '{"pass": ');
    expect(readOperatorPass(file)).toBeUndefined();

    const msg = refusedWritesMessage(pass, file, '/x/sim-operators.log');
    expect(msg).toContain('1 reconcile error(s) in pass 7');
    expect(msg).toContain(`  apps gateways: Gateway n/web: 422 ${LTT}`);
    expect(msg).toContain(file);
  });
});

describe('reconcileCluster returns what it could not write', () => {
  it('a refused Gateway status write is an error naming the Gateway; the 404s of the other parts are not', async () => {
    const notFound = () => Promise.reject(apiError(404, { message: 'not found', reason: 'NotFound' }));
    // any method not listed answers 404 (a race: ignored)
    const stub = <T extends object>(methods: Record<string, unknown>): T =>
      new Proxy(methods, { get: (t, p) => (p in t ? t[p as string] : notFound) }) as T;
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'networking', generation: 1 },
      spec: { gatewayClassName: 'cilium', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    };
    const lists: Record<string, unknown[]> = {
      gatewayclasses: [
        { metadata: { name: 'cilium' }, spec: { controllerName: 'io.cilium/gateway-controller' } },
      ],
      gateways: [gw],
    };
    const writes: string[] = [];
    const k = {
      kc: stub({ makeApiClient: () => stub({}) }),
      custom: stub({
        listClusterCustomObject: ({ plural }: { plural: string }) =>
          Promise.resolve({ items: lists[plural] ?? [] }),
        getNamespacedCustomObject: () => Promise.resolve(gw),
        patchNamespacedCustomObjectStatus: ({ name }: { name: string }) => {
          writes.push(name);
          return Promise.reject(invalid);
        },
      }),
      core: stub({
        readNamespacedService: () =>
          Promise.resolve({ status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } }),
        listServiceForAllNamespaces: () => Promise.resolve({ items: [] }),
      }),
      objects: stub({}),
      ext: stub({}),
    } as unknown as Kube;
    const logged: string[] = [];
    const errors = await reconcileCluster(
      {} as LabContext,
      'apps',
      k,
      { execRouted: new Map(), poolerPods: '', stateFile: '/nonexistent' },
      (m) => logged.push(m),
    );
    expect(writes).toEqual(['web']);
    expect(errors).toEqual([
      {
        cluster: 'apps',
        part: 'gateways',
        object: { kind: 'Gateway', namespace: 'networking', name: 'web' },
        code: 422,
        message: LTT,
      },
    ]);
    expect(logged).toEqual([`apps gateways: Gateway networking/web: 422 ${LTT}`]);
  });
});
