// What the framework attaches by itself when a check fails: the status of every object the check
// touched through its cluster handle, and the recent events of their namespaces.
import type { Evidence } from '../evidence/index.js';
import type { ClusterHandle } from '../cluster/index.js';

const MAX_OBJECTS = 10;

export async function collectFailureEvidence(
  cluster: ClusterHandle,
  since: number,
  evidence: Evidence,
): Promise<void> {
  // the ring keeps the newest refs: if the check touched more than it holds, the oldest are gone
  const { refs: touched, dropped } = cluster.touched?.since(since) ?? { refs: [], dropped: 0 };
  if (dropped) {
    evidence.text(
      'failure-touched-dropped.txt',
      `${dropped} older object reference(s) touched by this check were dropped (the handle keeps the newest ${cluster.touched.cap})\n`,
    );
  }
  const seen = new Set<string>();
  const namespaces = new Set<string>();
  for (const ref of touched) {
    const key = `${ref.apiVersion ?? ''}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
    if (seen.has(key) || seen.size >= MAX_OBJECTS) continue;
    seen.add(key);
    if (ref.namespace) namespaces.add(ref.namespace);
    if (!cluster.objects || !ref.apiVersion || ref.kind === 'Secret') continue; // never dump Secrets
    try {
      const obj = await cluster.objects.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      });
      evidence.status(
        obj,
        `failure-status-${ref.kind}-${ref.namespace ? `${ref.namespace}-` : ''}${ref.name}.json`,
      );
    } catch (e) {
      evidence.text(
        `failure-status-${ref.kind}-${ref.name}.txt`,
        `could not read ${key}: ${(e as Error).message}\n`,
      );
    }
  }
  for (const ns of [...namespaces].slice(0, 5)) {
    await evidence.events(cluster, ns).catch(() => undefined);
  }
}
