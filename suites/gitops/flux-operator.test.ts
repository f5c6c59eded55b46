/**
 * Flux self-management (STORY-VALIDATE-NETWORKING AC10.2-AC10.4, P2-4; STORY-BOOT-CORE AC3b) and the
 * chart sources every HelmRelease installs from (Cilium risk TECH-006).
 *
 * Reads: the FluxInstance and its CRD, the flux-instance HelmRelease, every OCIRepository and
 * HelmRepository. Read-only.
 *
 * Lab: flux-operator and source-controller are simulated: their status is what they write, in the
 * upstream CRDs (source-controller's from its Go module).
 */
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { conditionTrue, everyHealthy, readyProblem } from '../../helpers/probes/kubernetes.js';
import { fluxInstanceProblem } from '../../helpers/probes/flux-operator.js';

const flux = suite({ component: 'flux', clusters: ['infra', 'apps'], story: 'STORY-VALIDATE-NETWORKING' });

flux.check(
  {
    id: 'GITOPS-FLUXOP-001',
    title: 'the FluxInstance is Ready and manages every Flux controller',
    priority: 'P0',
    ac: ['BOOT:AC3b', 'AC10.4', 'P2-4'],
    risks: ['R4'],
    suggestedAction:
      'kubectl -n flux-system get fluxinstance flux -o yaml (status.conditions, status.components); kubectl -n flux-system logs deploy/flux-operator',
  },
  everyHealthy({
    kinds: (f) => [{ kind: 'FluxInstance', gvr: GVR.fluxInstance, namespace: f.flux.namespace }],
    required: (f) => [{ kind: 'FluxInstance', namespace: f.flux.namespace, name: f.flux.instance }],
    problem: (o, f) => fluxInstanceProblem(o, f.flux.controllers),
    attachAs: 'fluxinstances',
  }),
);

flux.check(
  {
    id: 'GITOPS-FLUXOP-002',
    title: 'the flux-instance HelmRelease is Ready',
    priority: 'P2',
    ac: ['AC10.3', 'P2-4'],
    suggestedAction:
      'flux get helmreleases -n flux-system flux-instance; flux reconcile hr flux-instance -n flux-system',
  },
  conditionTrue((f) => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, ...f.flux.instanceRelease }), {
    timeoutMs: 15_000,
  }),
);

flux.check(
  {
    id: 'GITOPS-FLUXOP-003',
    title: 'the FluxInstance CRD is Established',
    priority: 'P2',
    ac: ['AC10.2'],
    suggestedAction:
      'kubectl get crd fluxinstances.fluxcd.controlplane.io -o yaml (status.conditions); reinstall the flux-operator chart',
  },
  conditionTrue(
    () => ({ kind: 'CRD', gvr: GVR.crd, name: `${GVR.fluxInstance.plural}.${GVR.fluxInstance.group}` }),
    {
      type: 'Established',
      timeoutMs: 15_000,
    },
  ),
);

flux.check(
  {
    id: 'GITOPS-SRC-001',
    title: 'every OCIRepository and HelmRepository is Ready, the Cilium chart source among them',
    priority: 'P2',
    ac: ['CILIUM:TECH-006'],
    risks: ['CILIUM:TECH-006'],
    suggestedAction:
      'flux get sources oci -A; flux get sources helm -A; flux reconcile source oci <name> (registry credentials, the tag or semver range)',
  },
  everyHealthy({
    kinds: () => [
      { kind: 'OCIRepository', gvr: GVR.ociRepository },
      { kind: 'HelmRepository', gvr: GVR.helmRepository },
    ],
    required: (f) => (f.cilium.chartSource.kind === 'OCIRepository' ? [f.cilium.chartSource] : []),
    problem: readyProblem,
    attachAs: 'chart-sources',
    summary: (o) => ({
      url: o.spec?.url,
      ready: readyProblem(o) ?? 'Ready=True',
      revision: o.status?.artifact,
    }),
  }),
);
