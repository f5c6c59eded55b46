// Check metadata: schema and the errors a catalogue author sees at collection time.
import { z } from 'zod';
import { COMPONENTS, PRIORITIES } from './tags.js';

export const checkMetaSchema = z.strictObject({
  id: z
    .string()
    .regex(
      /^[A-Z][A-Z0-9]*(?:[.-][A-Z0-9]+)*$/,
      'an id like NET-CILIUM-001 (upper case, digits, "-" or ".")',
    ),
  title: z.string().min(1, 'a non-empty title'),
  priority: z.enum(PRIORITIES, {
    error: (i) => `priority ${JSON.stringify(i.input)} is unknown; expected one of ${PRIORITIES.join(', ')}`,
  }),
  component: z.enum(COMPONENTS, {
    error: (i) =>
      `component tag ${JSON.stringify(i.input)} is unknown; expected one of the tags in helpers/check/tags.ts: ${COMPONENTS.join(', ')}`,
  }),
  clusters: z.array(z.string().min(1)).min(1, 'at least one cluster'),
  story: z.string().min(1),
  ac: z.array(z.string().min(1)).default([]),
  risks: z.array(z.string().min(1)).default([]),
  disruptive: z.boolean().default(false),
  suggestedAction: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
  /** Extra attempts after a failure (the JUnit shows attempts; passed after retry = flaky). */
  retry: z.number().int().min(0).max(5).optional(),
  /** Baseline targets (JUnit `target.<name>`); measured values go through evidence.metric(). */
  targets: z.record(z.string().regex(/^[a-z0-9_]+$/), z.number()).optional(),
});

export type CheckMetaInput = z.input<typeof checkMetaSchema>;
export type CheckMeta = z.output<typeof checkMetaSchema>;

export class CheckDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckDefinitionError';
  }
}

export function parseCheckMeta(meta: unknown, file: string): CheckMeta {
  const r = checkMetaSchema.safeParse(meta);
  if (r.success) return r.data;
  const id = (meta as { id?: unknown } | null)?.id;
  const problems = r.error.issues.map((i) => {
    const key = i.path.map(String).join('.') || '(meta)';
    const msg =
      i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.join(', ')}`
        : i.message.replace(/^Invalid input: /, '');
    return `${key}: ${msg}`;
  });
  // one line: vitest shows the first line of a collection error
  throw new CheckDefinitionError(
    `${file}: check ${typeof id === 'string' ? id : '(no id)'}: ${problems.join('; ')}`,
  );
}
