// Cilium's Gateway API controller (simulated): the `cilium-gateway-<gw>` LoadBalancer Service per
// Gateway, Gateway status (Accepted/Programmed, addresses, listeners' attachedRoutes), HTTPRoute
// parent status.
import type { V1Service } from '@kubernetes/client-node';
import { httpCode, nowTimes, writeStatus, type Kube } from '../kube.js';
import { onObject } from '../sim-errors.js';
import { listCustom } from './objects.js';

const CILIUM_CONTROLLER = 'io.cilium/gateway-controller';

/** Cilium's Gateway API controller: Service per Gateway, Gateway and HTTPRoute status. */
export async function reconcileGateways(k: Kube): Promise<void> {
  const classes = (await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'gatewayclasses'))
    .filter((c) => c.spec?.controllerName === CILIUM_CONTROLLER)
    .map((c) => c.metadata.name);
  const gateways = (await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'gateways')).filter((g) =>
    classes.includes(String(g.spec?.gatewayClassName)),
  );
  const routes = await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'httproutes');
  const times = nowTimes();
  for (const gw of gateways) {
    const ns = gw.metadata.namespace!;
    const listeners =
      (gw.spec?.listeners as { name: string; port: number; protocol: string }[] | undefined) ?? [];
    const svcName = `cilium-gateway-${gw.metadata.name}`;
    let svc: V1Service | undefined;
    try {
      svc = await k.core.readNamespacedService({ name: svcName, namespace: ns });
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
    if (!svc) {
      const infra =
        (gw.spec?.infrastructure as
          { annotations?: Record<string, string>; labels?: Record<string, string> } | undefined) ?? {};
      const uid = (
        (await k.custom.getNamespacedCustomObject({
          group: 'gateway.networking.k8s.io',
          version: 'v1',
          namespace: ns,
          plural: 'gateways',
          name: gw.metadata.name,
        })) as { metadata: { uid: string } }
      ).metadata.uid;
      await onObject({ kind: 'Service', namespace: ns, name: svcName }, () =>
        k.core.createNamespacedService(
          {
            namespace: ns,
            body: {
              metadata: {
                name: svcName,
                namespace: ns,
                labels: {
                  'gateway.networking.k8s.io/gateway-name': gw.metadata.name,
                  'io.cilium.gateway/owning-gateway': gw.metadata.name,
                  ...(infra.labels ?? {}),
                },
                annotations: infra.annotations ?? {},
                ownerReferences: [
                  {
                    apiVersion: 'gateway.networking.k8s.io/v1',
                    kind: 'Gateway',
                    name: gw.metadata.name,
                    uid,
                    controller: true,
                  },
                ],
              },
              spec: {
                type: 'LoadBalancer',
                ports: [...new Set(listeners.map((l) => l.port))].map((p) => ({
                  name: `port-${p}`,
                  port: p,
                  protocol: 'TCP',
                })),
              },
            },
          },
          undefined,
        ),
      );
      continue; // LB-IPAM assigns the address; status follows on the next pass
    }
    const addresses = (svc.status?.loadBalancer?.ingress ?? [])
      .map((i) => ({ type: 'IPAddress', value: i.ip! }))
      .filter((a) => a.value);
    const attached = (listener: string) =>
      routes.filter((r) =>
        (
          (r.spec?.parentRefs as { name: string; namespace?: string; sectionName?: string }[] | undefined) ??
          []
        ).some(
          (p) =>
            p.name === gw.metadata.name &&
            (p.namespace ?? r.metadata.namespace) === ns &&
            (!p.sectionName || p.sectionName === listener),
        ),
      ).length;
    const programmed = addresses.length > 0;
    await writeStatus(
      k,
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: gw.metadata.name, namespace: ns },
      {
        addresses,
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: 'Gateway successfully scheduled',
            observedGeneration: 0,
          },
          programmed
            ? {
                type: 'Programmed',
                status: 'True',
                reason: 'Programmed',
                message: 'Gateway successfully reconciled',
                observedGeneration: 0,
              }
            : {
                type: 'Programmed',
                status: 'False',
                reason: 'AddressNotAssigned',
                message: 'Waiting for an address from LB-IPAM',
                observedGeneration: 0,
              },
        ],
        listeners: listeners.map((l) => ({
          name: l.name,
          attachedRoutes: attached(l.name),
          supportedKinds: [
            { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
            { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
          ],
          conditions: [
            {
              type: 'Programmed',
              status: programmed ? 'True' : 'False',
              reason: programmed ? 'Programmed' : 'Pending',
              message: programmed ? 'Listener Programmed' : 'Waiting for an address',
              observedGeneration: 0,
            },
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'Listener Accepted',
              observedGeneration: 0,
            },
            {
              type: 'ResolvedRefs',
              status: 'True',
              reason: 'ResolvedRefs',
              message: 'Resolved Refs',
              observedGeneration: 0,
            },
          ],
        })),
      },
      times,
    );
  }
  for (const r of routes) {
    const rns = r.metadata.namespace!;
    const refs = (
      (r.spec?.parentRefs as { name: string; namespace?: string; sectionName?: string }[] | undefined) ?? []
    ).filter((p) =>
      gateways.some((g) => g.metadata.name === p.name && g.metadata.namespace === (p.namespace ?? rns)),
    );
    if (!refs.length) continue;
    const backends = (
      (r.spec?.rules as
        { backendRefs?: { name: string; namespace?: string; kind?: string }[] }[] | undefined) ?? []
    ).flatMap((x) => x.backendRefs ?? []);
    const missing: string[] = [];
    for (const b of backends.filter((x) => !x.kind || x.kind === 'Service')) {
      try {
        await k.core.readNamespacedService({ name: b.name, namespace: b.namespace ?? rns });
      } catch (e) {
        if (httpCode(e) === 404) missing.push(`${b.namespace ?? rns}/${b.name}`);
        else throw e;
      }
    }
    await writeStatus(
      k,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        name: r.metadata.name,
        namespace: rns,
      },
      {
        parents: refs.map((p) => ({
          parentRef: {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: p.name,
            namespace: p.namespace ?? rns,
            ...(p.sectionName ? { sectionName: p.sectionName } : {}),
          },
          controllerName: CILIUM_CONTROLLER,
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'Accepted HTTPRoute',
              observedGeneration: 0,
            },
            missing.length
              ? {
                  type: 'ResolvedRefs',
                  status: 'False',
                  reason: 'BackendNotFound',
                  message: `Service(s) ${missing.join(', ')} not found`,
                  observedGeneration: 0,
                }
              : {
                  type: 'ResolvedRefs',
                  status: 'True',
                  reason: 'ResolvedRefs',
                  message: 'Service reference is valid',
                  observedGeneration: 0,
                },
          ],
        })),
      },
      times,
    );
  }
}
