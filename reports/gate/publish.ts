// `pnpm gate --publish`: the gate decision written to each cluster of the run as the status of a
// QAGate (deploy/gate/00-qagate-crd.yaml), so the platform's GitOps can hold the next layer on it
// (a Flux Kustomization's healthChecks + healthCheckExprs; deploy/gate/flux-gated-layer.example.yaml).
// The one write outside run namespaces, opt-in: only the status subresource of one named object,
// under a Role limited by resourceNames (deploy/gate/10-qagate-publisher.yaml). Never the spec,
// never another object, and the object is never created here: a missing one is an error naming
// the file that creates it.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../helpers/cluster/kubeconfig.js';
import { errorText } from '../../helpers/cluster/errors.js';
import { loadEnvironment } from '../../helpers/config/index.js';
import { redact } from '../../helpers/evidence/redact.js';
import type { Evaluation } from './evaluate.js';
import { GateInputError, type GateStatus } from './model.js';
import type { LoadedRun } from './run.js';

export const QAGATE = { group: 'qa.platform-validation.io', version: 'v1alpha1', plural: 'qagates' } as const;
export const DEFAULT_QAGATE = 'platform-validation/platform';

export interface QAGateRef {
  namespace: string;
  name: string;
}

export function parseQAGateRef(raw: string, flag = '--publish-to'): QAGateRef {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(raw);
  if (!m) throw new GateInputError(`${flag} ${raw}: expected <namespace>/<name> of a QAGate`);
  return { namespace: m[1]!, name: m[3]! };
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** FAIL holds what waits on the gate; CONCERNS is visible but allowed, as the CI exit code 2 is. */
const READY: Record<GateStatus, { status: 'True' | 'False'; reason: string }> = {
  PASS: { status: 'True', reason: 'Passed' },
  WAIVED: { status: 'True', reason: 'Waived' },
  CONCERNS: { status: 'True', reason: 'Concerns' },
  FAIL: { status: 'False', reason: 'Failed' },
};

export interface PublishedStatus {
  observedGeneration: number;
  decision: GateStatus;
  runId: string;
  environment: string;
  cluster: string;
  story: string;
  publishedAt: string;
  report?: string;
  reasons: string[];
  counts: { passed: number; failed: number; skipped: number };
  conditions: Condition[];
}

/**
 * The status one cluster's QAGate gets: the run's decision (the gate is over the whole run: a
 * bullet that needs both clusters is decided by both), this cluster's counts, and a Ready condition
 * whose lastTransitionTime moves only when its status changes.
 */
export function qaGateStatus(input: {
  evaluation: Evaluation;
  runId: string;
  environment: string;
  cluster: string;
  generation: number;
  previous?: Condition[];
  report?: string;
  now: Date;
}): PublishedStatus {
  const { evaluation: e, cluster, now } = input;
  const d = e.decision;
  const mine = e.checks.filter((c) => c.cluster === cluster);
  const count = (o: string) => mine.filter((c) => c.outcome === o).length;
  const ready = READY[d.gate];
  const reasons = d.reasons.slice(0, 20).map((r) => redact(r).slice(0, 500));
  const message = redact(
    `QA gate ${d.gate} for run ${input.runId} (environment ${input.environment})` +
      (reasons.length ? `: ${reasons.slice(0, 3).join('; ')}` : ''),
  ).slice(0, 2000);
  const before = input.previous?.find((c) => c.type === 'Ready');
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    observedGeneration: input.generation,
    decision: d.gate,
    runId: input.runId,
    environment: input.environment,
    cluster,
    story: e.story,
    publishedAt: at,
    ...(input.report ? { report: input.report.slice(0, 2048) } : {}),
    reasons,
    counts: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    conditions: [
      {
        type: 'Ready',
        status: ready.status,
        reason: ready.reason,
        message,
        lastTransitionTime: before && before.status === ready.status ? before.lastTransitionTime : at,
        observedGeneration: input.generation,
      },
    ],
  };
}

export interface PublishOptions {
  run: LoadedRun;
  evaluation: Evaluation;
  target: QAGateRef;
  /** Another kubeconfig for the publisher identity (same context names as the config's). */
  kubeconfig?: string;
  report?: string;
  now?: Date;
}

export interface PublishResult {
  cluster: string;
  ok: boolean;
  message: string;
}

/** Writes the status on every cluster the run contacted; one line per cluster, never throws for one. */
export async function publishGate(opts: PublishOptions): Promise<PublishResult[]> {
  const runJson = opts.run.runs[0]?.runJson;
  if (!runJson?.env || typeof runJson['configFile'] !== 'string') {
    throw new GateInputError(
      `--publish: run.json of ${opts.run.runs[0]?.dir ?? 'the run'} names no environment and config file; only a run of pnpm test can be published`,
    );
  }
  const env = await loadEnvironment({ file: runJson['configFile'], env: runJson.env }).catch((e: unknown) => {
    throw new GateInputError(`--publish: ${(e as Error).message}`);
  });
  const contacted = new Set(
    opts.run.runs.flatMap((r) =>
      Object.entries(r.runJson?.clusters ?? {})
        .filter(([, c]) => c.ok !== null && c.ok !== undefined)
        .map(([name]) => name),
    ),
  );
  const results: PublishResult[] = [];
  const ref = `QAGate ${opts.target.namespace}/${opts.target.name}`;
  for (const [name, cluster] of Object.entries(env.clusters)) {
    if (!contacted.has(name)) {
      results.push({
        cluster: name,
        ok: false,
        message: `not published: the run did not reach cluster ${name}`,
      });
      continue;
    }
    try {
      const { kc } = loadKubeConfig({
        kubeconfig: opts.kubeconfig ?? cluster.kubeconfig,
        context: cluster.context,
        cluster: name,
      });
      const api = kc.makeApiClient(CustomObjectsApi);
      const at = { ...QAGATE, namespace: opts.target.namespace, name: opts.target.name };
      const current = (await api.getNamespacedCustomObject(at)) as {
        metadata: { generation?: number };
        spec?: { environment?: string; story?: string };
        status?: { conditions?: Condition[] };
      };
      const wants = current.spec?.environment;
      if (wants && wants !== runJson.env) {
        results.push({
          cluster: name,
          ok: false,
          message: `not published: ${ref} takes runs of environment ${wants}, this run is of ${runJson.env}`,
        });
        continue;
      }
      const story = current.spec?.story;
      if (story && story.toUpperCase() !== opts.evaluation.story.toUpperCase()) {
        results.push({
          cluster: name,
          ok: false,
          message: `not published: ${ref} gates story ${story}, this decision is for ${opts.evaluation.story} (use --story ${story})`,
        });
        continue;
      }
      const status = qaGateStatus({
        evaluation: opts.evaluation,
        runId: runJson.runId,
        environment: runJson.env,
        cluster: name,
        generation: current.metadata.generation ?? 1,
        previous: current.status?.conditions,
        report: opts.report,
        now: opts.now ?? new Date(),
      });
      await api.patchNamespacedCustomObjectStatus(
        { ...at, body: { status } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      results.push({
        cluster: name,
        ok: true,
        message: `${ref}: ${status.decision} (Ready=${status.conditions[0]!.status})`,
      });
    } catch (e) {
      results.push({ cluster: name, ok: false, message: `${ref}: ${publishError(e)}` });
    }
  }
  return results;
}

function publishError(e: unknown): string {
  const code = (e as { code?: number }).code;
  if (code === 404)
    return 'not found: apply deploy/gate/00-qagate-crd.yaml and deploy/gate/10-qagate-publisher.yaml on this cluster (the publisher never creates it)';
  if (code === 403)
    return 'forbidden: the publishing identity needs Role platform-validation-gate-publisher (deploy/gate/10-qagate-publisher.yaml) for this object';
  return redact(errorText(e)).split('\n')[0]!.slice(0, 300);
}
