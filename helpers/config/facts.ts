// Per-cluster facts the suites compare against (CIDRs, LB pools, replica counts, component
// namespaces and names). OWNED BY THE SUITES HELPER: this is the runner's minimal starting
// point — extend `factsSchema` and `factsDefaults` freely, keep the two exports and their shapes:
//   factsSchema: zod schema of one cluster's facts (after defaults are merged in)
//   factsDefaults(cluster): defaults for that cluster name (merged UNDER the config's `facts`)
import { z } from 'zod';

export const factsSchema = z.looseObject({
  cilium: z
    .looseObject({
      namespace: z.string().min(1),
      daemonSet: z.string().min(1),
    })
    .optional(),
});

export type Facts = z.infer<typeof factsSchema> & Record<string, unknown>;

/** Defaults matching the reference stories; a config's `facts` override them key by key. */
export function factsDefaults(_cluster: string): Record<string, unknown> {
  return {
    cilium: { namespace: 'kube-system', daemonSet: 'cilium' },
  };
}
