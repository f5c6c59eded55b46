import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { serviceBackends } from '../../../lab/cluster/service-proxy.js';

const svc = (annotations: Record<string, string> = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'ns', annotations },
  spec: { selector: { app: 'web' } },
});
const pod = (name: string, ip: string): V1Pod => ({
  metadata: { name, namespace: 'ns', labels: { app: 'web' } },
  status: { podIP: ip },
});
const names = (ps: V1Pod[]) => ps.map((p) => p.metadata!.name);
const GLOBAL = { 'service.cilium.io/global': 'true' };

describe('lab service proxy backends (simulated Cilium global Services)', () => {
  const remote = { services: [svc(GLOBAL)], pods: [pod('remote', '10.246.0.5')] };
  test('a global Service spreads over its twin’s pods in a meshed cluster', () => {
    expect(names(serviceBackends(svc(GLOBAL), [pod('local', '10.244.0.5')], [remote]))).toEqual([
      'local',
      'remote',
    ]);
  });
  test('not global here, not global there, not shared, or not meshed: local pods only', () => {
    expect(names(serviceBackends(svc(), [], [remote]))).toEqual([]);
    expect(names(serviceBackends(svc(GLOBAL), [], [{ ...remote, services: [svc()] }]))).toEqual([]);
    const unshared = svc({ ...GLOBAL, 'service.cilium.io/shared': 'false' });
    expect(names(serviceBackends(svc(GLOBAL), [], [{ ...remote, services: [unshared] }]))).toEqual([]);
    expect(names(serviceBackends(svc(GLOBAL), [], []))).toEqual([]);
  });
});
