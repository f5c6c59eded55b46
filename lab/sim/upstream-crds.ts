/**
 * The CRDs the lab installs with upstream's full OpenAPI schemas instead of the project's open ones
 * (lab/sim/crds.ts): the API server then prunes and validates what the simulation and the fixtures
 * write, so a field upstream does not have cannot be read back. Taken from the build cache
 * (lab/build/services: `go mod download` of the upstream module): Cilium's, the Gateway API
 * kinds, Flux source- and kustomize-controller's, cert-manager's, External Secrets', CloudNativePG's,
 * VolSync's, the VolumeSnapshot kinds and ARC's (lab/build/services/artifacts.ts lists them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isComplete, readServiceVersions, serviceArtifacts } from '../build/services/artifacts.js';
import type { K8sObject } from './fixtures.js';

export const UPSTREAM_SCHEMA_LABEL = 'lab.platform-validation.io/schema';

/** The upstream CRDs in the cache by name (`<plural>.<group>`); throws naming `pnpm lab build` when one is missing. */
export function upstreamCrds(cache: string): Map<string, K8sObject> {
  const crds = new Map<string, K8sObject>();
  for (const src of serviceArtifacts(cache, readServiceVersions()).upstreamCrds) {
    const source = `${src.module}@${src.version}`;
    if (!isComplete(src.cacheDir))
      throw new Error(
        `the upstream CRDs of ${source} are not in ${src.cacheDir}: run \`pnpm lab build\` first`,
      );
    for (const f of fs.readdirSync(src.cacheDir).filter((n) => n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(src.cacheDir, f), 'utf8'))) {
        const o = doc.toJS() as K8sObject | null;
        if (o?.kind !== 'CustomResourceDefinition') continue;
        const { creationTimestamp: _c, ...metadata } = o.metadata as K8sObject['metadata'] & {
          creationTimestamp?: unknown;
        };
        const { status: _s, ...rest } = o;
        crds.set(metadata.name, {
          ...rest,
          metadata: {
            ...metadata,
            labels: {
              ...metadata.labels,
              'app.kubernetes.io/part-of': src.owner,
              [UPSTREAM_SCHEMA_LABEL]: 'upstream',
            },
            annotations: {
              ...metadata.annotations,
              'lab.platform-validation.io/source': source,
              'lab.platform-validation.io/note': `upstream CRD (${source}); the controller is simulated`,
            },
          },
        });
      }
    }
  }
  return crds;
}
