import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { containerPort, describeTarget, isPodReady, selectorString } from '../../../helpers/tunnel/index.js';

const pod = (over: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'p-0', namespace: 'ns' },
  spec: {
    containers: [
      { name: 'a', ports: [{ name: 'http', containerPort: 8080 }] },
      { name: 'b', ports: [{ name: 'metrics', containerPort: 9090 }, { containerPort: 7000 }] },
    ],
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  ...over,
});

describe('tunnel target resolution (pure parts)', () => {
  it('container ports by number or by name, across containers', () => {
    expect(containerPort(pod(), 5432)).toBe(5432);
    expect(containerPort(pod(), '5432')).toBe(5432);
    expect(containerPort(pod(), 'metrics')).toBe(9090);
    expect(() => containerPort(pod(), 'grpc')).toThrow(
      'pod ns/p-0 has no container port named "grpc" (named ports: http, metrics)',
    );
  });
  it('readiness: Running, Ready=True, not terminating', () => {
    expect(isPodReady(pod())).toBe(true);
    expect(isPodReady(pod({ status: { phase: 'Pending' } }))).toBe(false);
    expect(
      isPodReady(pod({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } })),
    ).toBe(false);
    expect(isPodReady(pod({ metadata: { name: 'p', deletionTimestamp: new Date() } }))).toBe(false);
  });
  it('label selectors to the API string form', () => {
    expect(selectorString({ app: 'x', tier: 'db' })).toBe('app=x,tier=db');
    expect(
      selectorString({
        matchLabels: { app: 'kafka' },
        matchExpressions: [
          { key: 'role', operator: 'In', values: ['broker', 'combined'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
        ],
      }),
    ).toBe('app=kafka,role in (broker,combined),!canary,zone,env notin (dev)');
    expect(selectorString(undefined)).toBe('');
  });
  it('describes targets for messages', () => {
    expect(describeTarget({ kind: 'Service', namespace: 'db', name: 'pg', port: 'postgresql' })).toBe(
      'Service db/pg port postgresql',
    );
  });
});
