/**
 * The CRDs the lab installs with upstream's full OpenAPI schemas instead of the project's open ones
 * (lab/sim/crds.ts): the API server then prunes and validates what the simulation and the fixtures
 * write, so a field upstream does not have cannot be read back. Taken from the build cache
 * (lab/build/services: `go mod download` of the upstream module); today the Gateway API kinds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isComplete, readServiceVersions, serviceArtifacts } from '../build/services/artifacts.js';
import type { K8sObject } from './fixtures.js';

export const UPSTREAM_SCHEMA_LABEL = 'lab.platform-validation.io/schema';

export interface UpstreamCrds {
  /** `<module>@<version>` the manifests come from */
  source: string;
  /** CRD objects by name (`<plural>.<group>`), labelled with where they come from */
  crds: Map<string, K8sObject>;
}

/** The upstream CRDs in the cache; throws naming `pnpm lab build` when they are not there. */
export function upstreamCrds(cache: string): UpstreamCrds {
  const v = readServiceVersions();
  const dir = serviceArtifacts(cache, v).gatewayApiCrdsDir;
  const source = `sigs.k8s.io/gateway-api@${v.GATEWAY_API_VERSION}`;
  if (!isComplete(dir))
    throw new Error(`the upstream CRDs of ${source} are not in ${dir}: run \`pnpm lab build\` first`);
  const crds = new Map<string, K8sObject>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
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
            'app.kubernetes.io/part-of': 'gateway-api',
            [UPSTREAM_SCHEMA_LABEL]: 'upstream',
          },
          annotations: {
            ...metadata.annotations,
            'lab.platform-validation.io/note': `upstream CRD (${source}); the controller is simulated`,
          },
        },
      });
    }
  }
  return { source, crds };
}
