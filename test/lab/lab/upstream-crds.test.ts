/**
 * The Cilium, Gateway API, Flux source, cert-manager, External Secrets and Strimzi kinds (among others) are
 * served with upstream's CRDs (the modules and versions of lab/build/services/versions.env, from the build cache): the API server prunes a field upstream
 * does not have and refuses a value upstream's schema refuses, so the simulation and the fixtures
 * cannot store what a real cluster would not. Needs `pnpm lab up`.
 */
import crypto from 'node:crypto';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readServiceVersions } from '../../../lab/build/services/artifacts.js';
import { loadLabContext } from '../../../lab/core/index.js';
import { CRDS } from '../../../lab/sim/crds.js';
import { UPSTREAM_SCHEMA_LABEL } from '../../../lab/sim/upstream-crds.js';

const ctx = loadLabContext();
const kc = ctx.clusters.apps.kc;
const ns = `pv-lab-crd-${crypto.randomBytes(3).toString('hex')}`;
const GW = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways', namespace: ns };
const gateway = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name, namespace: ns },
  spec,
});
const listener = { name: 'http', protocol: 'HTTP', port: 80 };

afterAll(async () => {
  await kc
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name: ns })
    .catch(() => undefined);
});

describe('Gateway API CRDs are upstream', () => {
  it('the Cilium, Gateway API, Flux source, cert-manager, External Secrets, Strimzi, prometheus-operator, HelmRelease and notification kinds are the upstream CRDs of the pinned releases, on both clusters', async () => {
    const v = readServiceVersions();
    const expected = new Map<string, string>();
    for (const d of CRDS) {
      const name = `${d.plural}.${d.group}`;
      if (d.group === 'gateway.networking.k8s.io')
        expected.set(name, `sigs.k8s.io/gateway-api@${v.GATEWAY_API_VERSION}`);
      if (d.group === 'source.toolkit.fluxcd.io')
        expected.set(name, `github.com/fluxcd/source-controller@${v.FLUX_SOURCE_CONTROLLER_VERSION}`);
      if (d.group === 'cert-manager.io' || d.group === 'acme.cert-manager.io')
        expected.set(name, `github.com/cert-manager/cert-manager@${v.CERT_MANAGER_VERSION}`);
      if (d.group === 'external-secrets.io')
        expected.set(name, `github.com/external-secrets/external-secrets@${v.EXTERNAL_SECRETS_VERSION}`);
      if (d.group === 'cilium.io') expected.set(name, `github.com/cilium/cilium@${v.CILIUM_VERSION}`);
      if (d.group.endsWith('strimzi.io')) expected.set(name, `io.strimzi:api@${v.STRIMZI_VERSION}`);
      if (d.group === 'monitoring.coreos.com')
        expected.set(
          name,
          `github.com/prometheus-operator/prometheus-operator@${v.PROMETHEUS_OPERATOR_VERSION}`,
        );
      if (d.group === 'helm.toolkit.fluxcd.io')
        expected.set(name, `github.com/fluxcd/helm-controller/api@${v.FLUX_HELM_CONTROLLER_API_VERSION}`);
      if (d.group === 'notification.toolkit.fluxcd.io')
        expected.set(
          name,
          `github.com/fluxcd/notification-controller/api@${v.FLUX_NOTIFICATION_CONTROLLER_API_VERSION}`,
        );
    }
    // 6 Gateway API kinds, 5 source-controller, 6 cert-manager, 5 External Secrets, 12 Cilium, 5 Strimzi,
    // 3 prometheus-operator, HelmRelease and 3 notification kinds (controller-gen)
    expect(expected.size).toBe(46);
    for (const cluster of ['infra', 'apps'] as const) {
      const ext = ctx.clusters[cluster].kc.makeApiClient(ApiextensionsV1Api);
      for (const [name, source] of expected) {
        const crd = await ext.readCustomResourceDefinition({ name });
        expect(crd.metadata?.labels?.[UPSTREAM_SCHEMA_LABEL], `${cluster}: ${name}`).toBe('upstream');
        expect(crd.metadata?.annotations?.['lab.platform-validation.io/source'], name).toBe(source);
        // upstream's schema, not the project's open object: the first of spec/status declares its fields
        const props = crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!;
        const part = props.spec ?? props.status;
        if (part) {
          expect(part.x_kubernetes_preserve_unknown_fields, `${name}: keeps unknown fields`).toBeUndefined();
          expect(Object.keys(part.properties ?? {}).length, `${name}: declared fields`).toBeGreaterThan(0);
        } else expect(Object.keys(props).length, `${name}: top-level fields`).toBeGreaterThan(3);
      }
    }
  });

  it("the simulation's status writes pass upstream's validation (a refused write would leave status empty)", async () => {
    // on a fresh lab the simulated Gateway controller's status is all there is: a 422 keeps it empty
    const custom = kc.makeApiClient(CustomObjectsApi);
    const g = (plural: string) =>
      custom.listClusterCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        plural,
      }) as Promise<{
        items: {
          metadata: { name: string };
          status?: Record<string, { conditions?: { lastTransitionTime?: string }[] }[]>;
        }[];
      }>;
    const gateways = (await g('gateways')).items;
    const routes = (await g('httproutes')).items;
    expect(gateways.length).toBeGreaterThan(0);
    expect(routes.length).toBeGreaterThan(0);
    for (const [what, list, field] of [
      ['Gateway', gateways, 'listeners'],
      ['HTTPRoute', routes, 'parents'],
    ] as const) {
      for (const o of list) {
        const entries = o.status?.[field] ?? [];
        expect(entries.length, `${what} ${o.metadata.name} status.${field}`).toBeGreaterThan(0);
        for (const e of entries)
          for (const c of e.conditions ?? [])
            expect(c.lastTransitionTime, `${what} ${o.metadata.name}`).toBeTruthy();
      }
    }
  });

  it("Strimzi's generated CRDs: the simulated Kafka status is kept whole; fields 1.x dropped are not declared", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const kafka = (await custom.getNamespacedCustomObject({
      group: 'kafka.strimzi.io',
      version: 'v1',
      namespace: 'messaging',
      plural: 'kafkas',
      name: 'kafka-cluster',
    })) as { status?: Record<string, unknown> & { listeners?: { bootstrapServers?: string }[] } };
    expect(kafka.status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
    );
    expect(kafka.status?.listeners?.[0]?.bootstrapServers).toMatch(/kafka-bootstrap/);
    expect(kafka.status?.kafkaVersion).toBeTruthy();
    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: 'kafkas.kafka.strimzi.io' });
    const status = crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.status!.properties!;
    // ZooKeeper-era fields: Strimzi 1.x writes neither, so a check must not read them
    expect(Object.keys(status)).not.toContain('kafkaMetadataState');
    expect(Object.keys(status)).not.toContain('registeredNodeIds');
    expect(Object.keys(status)).toEqual(expect.arrayContaining(['conditions', 'listeners', 'clusterId']));
  });

  it('every simulated status validates in full on a new object (no ratcheting of the stored one)', async () => {
    // an update keeps invalid fields that did not change (CRD validation ratcheting), so a status
    // the simulation has always written wrongly can pass on a kept etcd: copy one object of every
    // upstream kind into a new namespace and write its live status there, validated in full
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const copyNs = `${ns}-copy`;
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: copyNs } } });
    const refused: string[] = [];
    let written = 0;
    try {
      const crds = (
        await ext.listCustomResourceDefinition({ labelSelector: `${UPSTREAM_SCHEMA_LABEL}=upstream` })
      ).items.filter((c) => c.spec.scope === 'Namespaced');
      for (const crd of crds) {
        const version = crd.spec.versions.find((v) => v.storage)!.name;
        const gvr = { group: crd.spec.group, version, plural: crd.spec.names.plural };
        const list = (await custom.listClusterCustomObject(gvr)) as {
          items: { metadata: { name: string }; spec?: unknown; status?: Record<string, unknown> }[];
        };
        const live = list.items.find((o) => o.status && Object.keys(o.status).length);
        if (!live) continue;
        const body = {
          apiVersion: `${gvr.group}/${version}`,
          kind: crd.spec.names.kind,
          metadata: { name: live.metadata.name, namespace: copyNs },
          ...(live.spec === undefined ? {} : { spec: live.spec }),
        };
        try {
          const created = (await custom.createNamespacedCustomObject({
            ...gvr,
            namespace: copyNs,
            body,
          })) as {
            metadata: { resourceVersion: string };
          };
          await custom.replaceNamespacedCustomObjectStatus({
            ...gvr,
            namespace: copyNs,
            name: live.metadata.name,
            body: {
              ...body,
              metadata: { ...body.metadata, resourceVersion: created.metadata.resourceVersion },
              status: live.status,
            },
          });
          written++;
        } catch (e) {
          refused.push(
            `${crd.spec.names.kind} ${live.metadata.name}: ${String((e as { body?: unknown }).body ?? e).slice(0, 300)}`,
          );
        }
      }
    } finally {
      await kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: copyNs })
        .catch(() => undefined);
    }
    expect(refused).toEqual([]);
    // the namespaced upstream kinds the lab seeds with status: HelmRelease, Kafka, Gateway, ...
    expect(written).toBeGreaterThan(15);
  });

  it('a field upstream does not have is pruned; a value its schema refuses is refused', async () => {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      ...GW,
      body: gateway('pruned', { gatewayClassName: 'cilium', listeners: [listener], notAField: 'kept?' }),
    });
    const back = (await custom.getNamespacedCustomObject({ ...GW, name: 'pruned' })) as {
      spec: Record<string, unknown>;
    };
    expect(back.spec.gatewayClassName).toBe('cilium');
    expect(back.spec).not.toHaveProperty('notAField');

    const refused = await custom
      .createNamespacedCustomObject({
        ...GW,
        body: gateway('refused', { gatewayClassName: 'cilium', listeners: [{ ...listener, port: 70000 }] }),
      })
      .catch((e: unknown) => e as { code?: number; body?: unknown });
    expect((refused as { code?: number }).code).toBe(422);
    expect(String((refused as { body?: unknown }).body)).toMatch(/port/);
  });
});
