/**
 * DB-CNPG-001 reads a CNPG Cluster as ready only in CloudNativePG's own healthy phase: every
 * `Phase* = "..."` constant of api/v1/cluster_types.go in the module at the lab's CNPG_VERSION
 * (`go mod download`, the copy the lab build already fetched for the CRDs) is put on a Cluster with
 * the Ready condition CNPG writes for it, and clusterHealth() must call ready exactly the phase
 * upstream names PhaseHealthy. Needs Go and the module proxy (or its cache), not a running lab.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServiceVersions } from '../../../lab/build/services/artifacts.js';
import { clusterHealth } from '../../../helpers/probes/cnpg.js';
import type { KObject } from '../../../helpers/reads/k8s.js';

const version = readServiceVersions().CNPG_VERSION;
const dir = (
  JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `github.com/cloudnative-pg/cloudnative-pg@${version}`], {
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      timeout: 300_000,
    }),
  ) as { Dir: string }
).Dir;
const phases = Object.fromEntries(
  [
    ...readFileSync(path.join(dir, 'api', 'v1', 'cluster_types.go'), 'utf8').matchAll(
      /^\s+(Phase\w+)\s*=\s*"([^"]+)"/gm,
    ),
  ].map((m) => [m[1]!, m[2]!]),
);

const cluster = (phase: string, ready: boolean): KObject =>
  ({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'shared-postgres', namespace: 'databases' },
    spec: { instances: 3 },
    status: {
      phase,
      instances: 3,
      readyInstances: ready ? 3 : 2,
      currentPrimary: 'shared-postgres-1',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'ClusterIsReady' : 'ClusterIsNotReady',
          message: ready ? 'Cluster is Ready' : 'Cluster Is Not Ready',
          lastTransitionTime: '2026-12-01T10:00:00Z',
        },
      ],
    },
  }) as unknown as KObject;

describe(`CloudNativePG ${version} phases: DB-CNPG-001's ready reading`, () => {
  it('reads the phases from upstream, PhaseHealthy among them', () => {
    expect(Object.keys(phases).length).toBeGreaterThan(10);
    expect(phases.PhaseHealthy).toBeDefined();
  });

  it.each(Object.entries(phases))('%s (%s)', (name, phase) => {
    const healthy = name === 'PhaseHealthy';
    expect(clusterHealth(cluster(phase, healthy)).ready).toBe(healthy);
  });
});
