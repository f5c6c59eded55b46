// GITOPS-FLUXOP-001: the FluxInstance (flux-operator) is Ready and manages every Flux controller the
// platform runs: flux-operator lists the controllers it deployed in status.components.
import type { KObject } from '../reads/k8s.js';
import { readyProblem } from './kubernetes.js';

/** Not Ready, or a controller of `controllers` absent from status.components; undefined: healthy. */
export function fluxInstanceProblem(fi: KObject, controllers: readonly string[]): string | undefined {
  const ready = readyProblem(fi);
  if (ready) return ready;
  const managed = ((fi.status?.components ?? []) as { name?: string }[]).map((c) => c.name);
  const missing = controllers.filter((c) => !managed.includes(c));
  return missing.length
    ? `does not manage ${missing.join(', ')} (status.components: ${managed.join(', ') || 'none'})`
    : undefined;
}
