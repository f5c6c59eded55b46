// The declared tag list. vitest 4.1 rejects undeclared tags at collection (strictTags), and
// `--grep` is validated against this list before any cluster is touched.
// Suites helper: add a component here when a suite needs it (lowercase, dash-separated).
export const PRIORITIES = ['P0', 'P1', 'P2'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const COMPONENTS = [
  'kubernetes',
  'talos',
  'cilium',
  'hubble',
  'clustermesh',
  'bgp',
  'gateway',
  'coredns',
  'flux',
  'cert-manager',
  'external-secrets',
  'rook-ceph',
  'openebs',
  'cnpg',
  'pgbouncer',
  'dragonfly',
  'kafka',
  'harbor',
  'spegel',
  'reloader',
  'minio',
  'keycloak',
  'victoriametrics',
  'victorialogs',
  'grafana',
  'fluent-bit',
  'volsync',
  'arc',
  'e2e',
  'framework',
] as const;
export type Component = (typeof COMPONENTS)[number];

export const SPECIAL_TAGS = ['disruptive'] as const;

export const ALL_TAGS: readonly string[] = [...PRIORITIES, ...COMPONENTS, ...SPECIAL_TAGS];

/** vitest `tags` config entries. */
export function tagDefinitions(): { name: string; description: string }[] {
  return [
    { name: 'P0', description: 'priority P0: must pass for the gate' },
    { name: 'P1', description: 'priority P1: gate needs >= 90% pass' },
    { name: 'P2', description: 'priority P2: a failure is a concern' },
    ...COMPONENTS.map((c) => ({ name: c, description: `component ${c}` })),
    { name: 'disruptive', description: 'changes the platform; runs only with --allow-disruptive' },
  ];
}
