// The shapes of the trace catalogue (helpers/trace/stories/*): items and risks of one story.

/** How an item can be verified: only `runtime` items can be turned green by a check of a run. */
export type ItemKind =
  /** a check of a run verifies it (read-only, run-owned writes or disruptive) */
  | 'runtime'
  /** a check can verify it only with a system outside the clusters (router, GitHub, Git write) */
  | 'external'
  /** verified by the framework itself: the identity proof of every cluster, the JUnit, the gate */
  | 'framework'
  /** a written procedure or document (Dev Notes, a rollback drill) */
  | 'procedure'
  /** a manifest or CI item before deployment (kustomize build, kubeconform) */
  | 'pre-deployment'
  /** the gate's own rule (Go/No-Go): decided by reports/gate/rule.ts, not an item to cover */
  | 'gate'
  /** the seed itself marks it not applicable */
  | 'n/a';

/** The clusters the seed names for the item: covered only when it passed on each. */
export type ItemScope = 'both' | 'infra' | 'apps' | 'any';

export interface TraceItem {
  /** Stable within its story: `AC2.8`, `P0-3`, `Test.1`. */
  id: string;
  text: string;
  /** The seed's priority (P3 and none exist in the seeds). */
  priority: 'P0' | 'P1' | 'P2' | 'P3' | undefined;
  scope: ItemScope;
  kind: ItemKind;
}

export type RiskLevel = 'critical' | 'high' | 'medium' | 'low' | 'minimal';

export interface Risk {
  /** As the profile writes it; namespaced by its story wherever it is shown (`STORY:ID`). */
  id: string;
  title: string;
  level: RiskLevel | undefined;
  score?: number;
}

export interface StoryInfo {
  id: string;
  /** Short name accepted in refs: `NET:AC2.8`. */
  alias: string;
  title: string;
  source: string;
  items: TraceItem[];
  risks: Risk[];
}

type Row = [
  id: string,
  priority: TraceItem['priority'] | '',
  scope: ItemScope,
  text: string,
  kind?: ItemKind,
];

/** Compact rows of the data files -> items. */
export function items(rows: Row[]): TraceItem[] {
  return rows.map(([id, priority, scope, text, kind]) => ({
    id,
    text,
    priority: priority || undefined,
    scope,
    kind: kind ?? 'runtime',
  }));
}

type RiskRow = [id: string, level: RiskLevel | '', title: string, score?: number];

export function risks(rows: RiskRow[]): Risk[] {
  return rows.map(([id, level, title, score]) => ({
    id,
    title,
    level: level || undefined,
    ...(score !== undefined ? { score } : {}),
  }));
}
