// The schema of platform.config.ts. Validation happens when the file is loaded (load.ts) so
// every error names the file and the key path.
import { z } from 'zod';
import { factsOverridesSchema } from './facts.js';

/** Cluster names become vitest project names; `unit` and `lab` are the framework's own projects. */
const RESERVED = new Set(['unit', 'lab']);
export const clusterNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}$/,
    'a cluster name: lowercase letters, digits and dashes, starting with a letter',
  )
  .refine((n) => !RESERVED.has(n), {
    message: 'a cluster name other than the reserved project names "unit" and "lab"',
  });

/**
 * How a cluster proves who it is: a ConfigMap key (default flux-system/cluster-settings CLUSTER) or a
 * label every node carries, equal to `expected` (default: the cluster name).
 */
export const identitySchema = z
  .strictObject({
    configMap: z
      .strictObject({
        namespace: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
      })
      .optional(),
    nodeLabel: z.strictObject({ key: z.string().min(1) }).optional(),
    expected: z.string().min(1).optional(),
  })
  .refine((i) => !(i.configMap && i.nodeLabel), { message: 'either configMap or nodeLabel, not both' });

export const clusterSchema = z.strictObject({
  context: z.string().min(1, 'a kube context name'),
  /** Path to a kubeconfig file, relative to the config file. Absent: KUBECONFIG (colon list) or ~/.kube/config. */
  kubeconfig: z.string().min(1).optional(),
  identity: identitySchema.optional(),
  /** Overrides of the reference facts (helpers/config/reference-facts.ts), merged over them. */
  facts: factsOverridesSchema.optional(),
});

export const environmentSchema = z.strictObject({
  clusters: z
    .record(clusterNameSchema, clusterSchema)
    .refine((c) => Object.keys(c).length > 0, { message: 'at least one cluster' }),
  /** Environment-wide identity default; a cluster's own `identity` wins. */
  identity: identitySchema.optional(),
});

export const platformSchema = z
  .strictObject({
    defaultEnv: z.string().min(1),
    environments: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'an environment name'), environmentSchema),
    /** Where runs write evidence, relative to the repo root. */
    evidenceDir: z.string().min(1).default('docs/qa/evidence'),
  })
  .superRefine((cfg, ctx) => {
    if (!(cfg.defaultEnv in cfg.environments)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultEnv'],
        message: `one of the environments (${Object.keys(cfg.environments).join(', ') || 'none defined'}), got "${cfg.defaultEnv}"`,
      });
    }
  });

export type PlatformConfigInput = z.input<typeof platformSchema>;
export type PlatformConfigParsed = z.output<typeof platformSchema>;

/** Typed identity function for platform.config.ts; validation runs when the file is loaded. */
export function definePlatform(config: PlatformConfigInput): PlatformConfigInput {
  return config;
}
