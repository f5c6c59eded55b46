// Evidence attached to the current check: files under
//   <runDir>/attachments/<check-id>/<cluster>/<name>
// (a check may run on several clusters, hence the cluster folder), every write redacted, every
// path registered in task.meta.evidence (relative to the run dir) for the JUnit reporter.
// Writes never follow a symlink: every directory below the run dir must be a real directory, and a
// file is written to a fresh temporary file (O_EXCL|O_NOFOLLOW) renamed over its name; a symlink (or
// anything but a regular file) planted at that name is refused (helpers/evidence/safe-write.ts). Names
// are redacted and sanitised; content is redacted, then capped at MAX_ATTACHMENT_BYTES.
import path from 'node:path';
import type { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { redact, redactJson } from './redact.js';
import { capText, ensureDirUnder, MAX_ATTACHMENT_BYTES, safeName, writeFileNoFollow } from './safe-write.js';

export {
  redact,
  redactDeep,
  redactTaskResult,
  registerSecret,
  registerSecretData,
  redactError,
  redactJson,
} from './redact.js';
export { flushSecrets, openSecretSink, type SecretSink } from './secret-channel.js';
export {
  EvidenceWriteError,
  MAX_ATTACHMENT_BYTES,
  writeFileNoFollow,
  type WriteNoFollowOptions,
} from './safe-write.js';

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

export function createEvidence(opts: {
  runDir: string;
  checkId: string;
  cluster: string;
  task?: EvidenceTask;
  annotate?: (message: string, type?: string) => Promise<unknown>;
}): Evidence {
  const parts = ['attachments', safeName(opts.checkId), safeName(opts.cluster)];
  const dir = path.join(opts.runDir, ...parts);
  const paths: string[] = [];
  const write = (name: string, content: string): string => {
    ensureDirUnder(opts.runDir, parts);
    const file = path.join(dir, safeName(name, 160));
    writeFileNoFollow(file, capText(content, MAX_ATTACHMENT_BYTES, redact), { root: opts.runDir });
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
      // structurally first (a `password` field, an env entry named like a credential), then as text
      write(
        name.endsWith('.json') ? name : `${name}.json`,
        JSON.stringify(redactJson(value), null, 2) ?? 'null',
      ),
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
