// Flux reconciliation evidence for the QA gate (STORY-VALIDATE-NETWORKING AC12.2): per cluster, the
// state of every Kustomization and HelmRelease (Ready, reason, message, revisions), the Events the
// Flux controllers emitted about them, and the tail of each Flux controller's log, attached as
// VALIDATE-NET-flux-reconciliation-<cluster>.txt and VALIDATE-NET-flux-logs-<cluster>.txt. It
// captures, it does not judge (readiness is BOOT-CORE-010/011's): it fails when a capture could not
// be made (a kind or the events that could not be listed, a controller without a pod, a log that
// could not be read), naming each.
import type { CoreV1Event } from '@kubernetes/client-node';
import { errorText } from '../cluster/errors.js';
import { GVR, listCustom, type KObject } from '../reads/k8s.js';
import type { Probe } from './kubernetes.js';

const FLUX_KINDS = [
  { kind: 'Kustomization', gvr: GVR.kustomization },
  { kind: 'HelmRelease', gvr: GVR.helmRelease },
] as const;

/** How many log lines of each controller are kept: a few reconciliation rounds of a busy one. */
export const FLUX_LOG_TAIL = 300;

function stateLine(kind: string, o: KObject): string {
  const ready = (
    o.status?.conditions as
      { type?: string; status?: string; reason?: string; message?: string }[] | undefined
  )?.find((c) => c.type === 'Ready');
  const s = o.status as { lastAppliedRevision?: string; lastAttemptedRevision?: string } | undefined;
  return [
    `${kind} ${o.metadata?.namespace}/${o.metadata?.name}`,
    ready
      ? `Ready=${ready.status} (${ready.reason ?? ''}) ${ready.message ?? ''}`.trim()
      : 'Ready: no condition',
    `applied=${s?.lastAppliedRevision ?? '-'} attempted=${s?.lastAttemptedRevision ?? '-'}`,
  ].join('\t');
}

export function eventLine(e: CoreV1Event): string {
  const when = String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '');
  const by = e.source?.component ?? e.reportingComponent ?? '';
  const o = e.involvedObject;
  return `${when}\t${e.type ?? ''}\t${e.reason ?? ''}\t${o?.kind}/${o?.namespace}/${o?.name}\t${by}\t${(e.message ?? '').replace(/\n/g, ' ')}`;
}

export function fluxReconciliationCaptured(): Probe {
  return async ({ cluster, facts, evidence }) => {
    const name = (what: string) => `VALIDATE-NET-${what}-${cluster.name}.txt`;
    const missing: string[] = [];
    const sections: string[] = [];
    for (const { kind, gvr } of FLUX_KINDS) {
      try {
        const objs = await listCustom(cluster, gvr);
        sections.push(`# ${kind} (${objs.length})`, ...objs.map((o) => stateLine(kind, o)));
      } catch (e) {
        missing.push(`${kind}: ${errorText(e).split('\n')[0]}`);
      }
      try {
        const events = (
          await cluster.core.listEventForAllNamespaces({ fieldSelector: `involvedObject.kind=${kind}` })
        ).items.sort((a, b) => eventLine(a).localeCompare(eventLine(b)));
        sections.push(
          `# events about ${kind} objects (${events.length}; the API server keeps them about an hour)`,
          ...events.map(eventLine),
        );
      } catch (e) {
        missing.push(`events of ${kind}: ${errorText(e).split('\n')[0]}`);
      }
    }
    evidence.text(name('flux-reconciliation'), `${sections.join('\n')}\n`);

    const logs: string[] = [];
    const ns = facts.flux.namespace;
    for (const controller of facts.flux.controllers) {
      try {
        const pods = (
          await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${controller}` })
        ).items;
        if (!pods.length) {
          missing.push(`logs of ${controller}: no pod labelled app=${controller} in ${ns}`);
          continue;
        }
        for (const p of pods) {
          const text = await cluster.core.readNamespacedPodLog({
            namespace: ns,
            name: p.metadata!.name!,
            container: p.spec?.containers.find((c) => c.name === 'manager')?.name,
            tailLines: FLUX_LOG_TAIL,
          });
          logs.push(
            `## ${controller}: pod ${ns}/${p.metadata!.name} (last ${FLUX_LOG_TAIL} lines)`,
            String(text).trimEnd(),
          );
        }
      } catch (e) {
        missing.push(`logs of ${controller}: ${errorText(e).split('\n')[0]}`);
      }
    }
    evidence.text(name('flux-logs'), `${logs.join('\n')}\n`);
    if (missing.length)
      throw new Error(`Flux reconciliation evidence not captured on ${cluster.name}: ${missing.join('; ')}`);
  };
}
