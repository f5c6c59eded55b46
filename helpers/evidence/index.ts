// Evidence attached to the current check: files under
//   <runDir>/attachments/<check-id>/<cluster>/<name>
// (a check may run on several clusters, hence the cluster folder), every write redacted, every
// path registered in task.meta.evidence (relative to the run dir) for the JUnit reporter.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { redact } from './redact.js';

export { redact, registerSecret, registerSecretData, redactError, redactJson } from './redact.js';

/** The part of a ClusterHandle (helpers/cluster) evidence needs. */
export interface EvidenceCluster {
  name: string;
  core: CoreV1Api;
  objects?: KubernetesObjectApi;
}

export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Minimal view of the vitest task the evidence is registered on. */
export interface EvidenceTask {
  meta: Record<string, unknown>;
}

export interface Evidence {
  /** Directory of this check's attachments (absolute). */
  readonly dir: string;
  text(name: string, content: string): string;
  json(name: string, value: unknown): string;
  /** Object status (the whole object, or its .status when given an object). */
  status(obj: unknown, name?: string): string;
  events(
    cluster: EvidenceCluster,
    namespace: string,
    involvedObject?: { kind?: string; name: string },
  ): Promise<string>;
  logs(
    cluster: EvidenceCluster,
    pod: { namespace: string; name: string; container?: string; tailLines?: number },
  ): Promise<string>;
  /** Paths written so far, relative to the run dir. */
  readonly paths: readonly string[];
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';

export function createEvidence(opts: {
  runDir: string;
  checkId: string;
  cluster: string;
  task?: EvidenceTask;
  annotate?: (message: string, type?: string) => Promise<unknown>;
}): Evidence {
  const dir = path.join(opts.runDir, 'attachments', safe(opts.checkId), safe(opts.cluster));
  const paths: string[] = [];
  const write = (name: string, content: string): string => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, safe(name));
    writeFileSync(file, redact(content));
    const rel = path.relative(opts.runDir, file).split(path.sep).join('/');
    if (!paths.includes(rel)) {
      paths.push(rel);
      if (opts.task) {
        const list = (opts.task.meta.evidence as string[] | undefined) ?? [];
        if (!list.includes(rel)) opts.task.meta.evidence = [...list, rel];
      }
      // shows up in vitest's own output next to a failure; harmless when annotate is unavailable
      opts.annotate?.(rel, 'evidence').catch(() => undefined);
    }
    return rel;
  };
  const ev: Evidence = {
    dir,
    paths,
    text: (name, content) => write(name, content),
    json: (name, value) =>
      write(name.endsWith('.json') ? name : `${name}.json`, JSON.stringify(value, null, 2)),
    status(obj, name) {
      const o = obj as
        { kind?: string; metadata?: { name?: string; namespace?: string }; status?: unknown } | undefined;
      const n =
        name ??
        `status-${o?.kind ?? 'object'}-${o?.metadata?.namespace ? `${o.metadata.namespace}-` : ''}${o?.metadata?.name ?? 'unnamed'}`;
      const body =
        o && typeof o === 'object' && 'metadata' in o
          ? { kind: o.kind, metadata: o.metadata, status: o.status }
          : obj;
      return ev.json(n, body);
    },
    async events(cluster, namespace, involved) {
      const fieldSelector = involved
        ? [
            involved.kind ? `involvedObject.kind=${involved.kind}` : '',
            `involvedObject.name=${involved.name}`,
          ]
            .filter(Boolean)
            .join(',')
        : undefined;
      const list = await cluster.core.listNamespacedEvent({ namespace, fieldSelector });
      const lines = (list.items ?? [])
        .sort((a, b) =>
          String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(
            String(b.lastTimestamp ?? b.eventTime ?? ''),
          ),
        )
        .map(
          (e) =>
            `${String(e.lastTimestamp ?? e.eventTime ?? '')}\t${e.type ?? ''}\t${e.reason ?? ''}\t${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}\t${e.message ?? ''}`,
        );
      const n = `events-${cluster.name}-${namespace}${involved ? `-${involved.name}` : ''}.txt`;
      return write(n, lines.length ? `${lines.join('\n')}\n` : `(no events in ${namespace})\n`);
    },
    async logs(cluster, pod) {
      const text = await cluster.core.readNamespacedPodLog({
        namespace: pod.namespace,
        name: pod.name,
        container: pod.container,
        tailLines: pod.tailLines ?? 500,
      });
      return write(
        `logs-${cluster.name}-${pod.namespace}-${pod.name}${pod.container ? `-${pod.container}` : ''}.txt`,
        String(text),
      );
    },
  };
  return ev;
}
