// The stories the gate traces checks against, with their acceptance criteria and known risk ids,
// taken from the reference stories and risk profiles (../shared/reference). An AC listed here with
// no check in the run is a trace gap. A story missing here is still gated: its AC list is then the
// ACs its checks name, so only failing ACs show up as gaps (said in the gate file's notes).

export interface StoryInfo {
  id: string;
  title: string;
  /** Acceptance criteria ids, normalised `AC<n>`. Empty: unknown, derived from the checks. */
  acs: string[];
  /** Risk ids from the story's risk profile. */
  risks: string[];
  source: string;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => `AC${i + 1}`);

export const STORIES: readonly StoryInfo[] = [
  {
    id: 'STORY-VALIDATE-NETWORKING',
    title: 'Deploy & Validate All Manifests (Full Stack)',
    acs: range(12),
    risks: ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10'],
    source: 'reference 003 (AC1-AC12, risks R1-R10)',
  },
  {
    id: 'STORY-BOOT-CORE',
    title: 'Phase 1 Core Bootstrap (infra + apps)',
    acs: range(7),
    risks: ['TECH-001', 'OPS-002', 'SEC-001'],
    source: 'reference 004 (acceptance criteria 1-7, QA risk profile)',
  },
  {
    id: 'STORY-NET-CILIUM-CORE-GITOPS',
    title: 'Put Cilium Core under GitOps Control',
    // The risk profile cites AC-3..AC-10; the story numbers them from AC1.
    acs: range(10),
    risks: [
      ...['TECH-001', 'TECH-002', 'TECH-003', 'TECH-004', 'TECH-005', 'TECH-006', 'TECH-007', 'TECH-008'],
      ...['TECH-009', 'TECH-010', 'TECH-011', 'SEC-001', 'SEC-002', 'SEC-003', 'SEC-004', 'SEC-005'],
      ...['OPS-001', 'OPS-002', 'OPS-003', 'OPS-004', 'OPS-005', 'OPS-006', 'PERF-001', 'PERF-002'],
      ...[
        'PERF-003',
        'PERF-004',
        'DATA-001',
        'DATA-002',
        'DATA-003',
        'DATA-004',
        'BUS-001',
        'BUS-002',
        'BUS-003',
      ],
    ],
    source: 'reference 000 (risk profile)',
  },
  {
    id: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
    title: 'DragonflyDB Operator & Shared Cluster',
    acs: [],
    risks: ['SEC-001', 'OPS-001', 'TECH-001', 'OPS-002', 'PERF-001', 'TECH-002', 'MON-001', 'SEC-002'],
    source: 'reference 001 (risk profile; the story ACs are not in the reference)',
  },
];

/** The pseudo-story of a gate over every check of the run. */
export const PLATFORM_STORY = 'platform';

export function findStory(id: string): StoryInfo | undefined {
  const want = id.toUpperCase();
  return STORIES.find((s) => s.id === want);
}

/** `AC-3`, `ac3`, `3` -> `AC3`. */
export function normaliseAc(ac: string): string {
  const m = /^(?:AC)?-?\s*(\d+)$/i.exec(ac.trim());
  return m ? `AC${m[1]}` : ac.trim();
}

export function storySlug(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
