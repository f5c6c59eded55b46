/**
 * DragonflyDB shared cache (STORY-VALIDATE-NETWORKING AC4; Dragonfly risk profile SEC-001,
 * OPS-001, OPS-002, TECH-001, PERF-001).
 *
 * Reads: the Dragonfly object, its pods, PodDisruptionBudgets, NetworkPolicies, the ExternalSecret
 * and the password Secret (redacted), the ServiceMonitor with the Services it selects and their
 * EndpointSlices. Probes Redis protocol through a tunnel to the Service: PING,
 * SET/GET/DEL of a run-owned key (deleted in `finally`), SET/GET latency samples. The
 * denied-namespace test deploys a client pod in the run namespace. The disruptive DB-DRAGONFLY-008
 * (only with --allow-disruptive) evicts one data pod through the Eviction API (the apiserver applies
 * the PDB) and waits until the StatefulSet has it back Ready.
 *
 * Lab: the operator is simulated (Dragonfly status from lab/sim); a real Redis server speaks the
 * protocol behind the pods. The CNI is simulated, so NetworkPolicy is not enforced there:
 * `facts.cilium.enforcesNetworkPolicy` is false in the lab and the negative test is skipped (never
 * counted as passed).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { GVR, getCustom, listPods, podReady, podSummary, readSecretValue } from '../../helpers/reads/k8s.js';
import { summarize } from '../../helpers/clients/latency.js';
import {
  admittedBeyondClients,
  coveringPdbs,
  READY_PHASES,
  deniedVerdict,
  dragonflyPhase,
  evictionDrill,
  imageMismatches,
  ingressPolicies,
  ncClient,
  ncEach,
  passwordExternalSecret,
  pinger,
  positiveControls,
  readyDataPods,
  setGetDel,
  setGetLatency,
  withoutPort,
} from '../../helpers/probes/dragonfly.js';
import { scrapesEveryPod } from '../../helpers/probes/service-monitor.js';

const dragonfly = suite({
  component: 'dragonfly',
  clusters: ['apps'],
  story: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
  requires: 'dragonfly.enabled',
});

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-001',
    title: 'Dragonfly is ready and answers PING, SET/GET/DEL with the password from its Secret',
    priority: 'P0',
    ac: ['AC4.11', 'AC4.12', 'P0-5'],
    risks: ['R6'],
    story: 'STORY-VALIDATE-NETWORKING',
    suggestedAction:
      'kubectl -n dragonfly-system get dragonfly,pods; redis-cli -a <password> PING through a port-forward',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const d = facts.dragonfly;
    const df = await getCustom(k, GVR.dragonfly, d.namespace, d.name);
    evidence.status(df);
    const { phase } = dragonflyPhase(df);
    expect(READY_PHASES, `Dragonfly ${d.namespace}/${d.name} phase is a ready one`).toContain(phase);
    const password = await readSecretValue(k, d.namespace, d.password.name, d.password.key);
    const s = await setGetDel(k, d, run, password);
    evidence.text('redis-session.txt', s.log.join('\n') + '\n');
    expect(s.got, 'GET returns the value just SET').toBe(s.value);
    expect(s.log[0], 'PING').toBe('PING -> PONG');
    expect(s.log.at(-1), 'the run-owned key is gone').toBe(`EXISTS ${s.key} -> 0`);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-002',
    title: 'the Dragonfly password comes from a Ready ExternalSecret',
    priority: 'P0',
    component: 'external-secrets',
    ac: ['OPS-002.cond'],
    risks: ['OPS-002', 'NET:R9'],
    suggestedAction: 'kubectl -n dragonfly-system describe externalsecret; verify the 1Password item path',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    await expect
      .poll(() => passwordExternalSecret(cluster, facts.dragonfly, evidence), {
        timeout: 30_000,
        interval: 2_000,
        message: 'ExternalSecret for the Dragonfly password',
      })
      .toMatch(/: Ready=True/);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-003',
    title: 'Dragonfly runs its replicas Ready on distinct nodes',
    priority: 'P2',
    ac: ['TECH-001', 'NET:AC4.11'],
    risks: ['TECH-001'],
    suggestedAction:
      'add podAntiAffinity / topologySpreadConstraints to the Dragonfly CR; kubectl -n dragonfly-system get pods -o wide',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const d = facts.dragonfly;
    const pods = await listPods(cluster, d.namespace, d.podSelector);
    const rows = pods.map((p) => ({ name: p.metadata?.name, node: p.spec?.nodeName, ready: podReady(p) }));
    evidence.json('pods', rows);
    expect(rows.filter((r) => r.ready).length, `Ready Dragonfly pods (${d.podSelector})`).toBe(d.replicas);
    const nodes = new Set(rows.map((r) => r.node));
    expect(
      nodes.size,
      `distinct nodes of ${rows.length} pods: ${rows.map((r) => `${r.name}@${r.node}`).join(', ')}`,
    ).toBe(rows.length);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-004',
    title:
      'a PodDisruptionBudget protects the Dragonfly pods: minAvailable, or replicas - maxUnavailable, >= the required count',
    priority: 'P1',
    ac: ['OPS-001.pdb'],
    risks: ['OPS-001'],
    suggestedAction:
      'kubectl -n <ns> get pdb: the operator (>= v1.2.0) creates PDB `dragonfly` (maxUnavailable: 1) from the Dragonfly CR; if it is missing, check the operator and the CR, do not add a second PDB over the same pods (evictions then fail with 500)',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const d = facts.dragonfly;
    const pdbs = await coveringPdbs(cluster, d, evidence);
    expect(
      pdbs.names,
      `PDBs in ${d.namespace} selecting every Dragonfly pod (${d.podSelector}: ${pdbs.pods.join(', ') || 'none found'}) by its labels`,
    ).not.toEqual([]);
    expect(
      pdbs.minAvailable,
      `pods of ${d.replicas} kept available by the PDB(s) covering Dragonfly (minAvailable, or replicas - maxUnavailable; required >= ${d.pdbMinAvailable})`,
    ).toBeGreaterThanOrEqual(d.pdbMinAvailable);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-005',
    title: 'a NetworkPolicy restricts ingress to the Dragonfly pods',
    priority: 'P1',
    ac: ['SEC-001.deny'],
    risks: ['SEC-001'],
    suggestedAction:
      'add a NetworkPolicy allowing only gitlab-system, harbor, selected apps and observability to port 6379',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const d = facts.dragonfly;
    const nps = (await cluster.networking.listNamespacedNetworkPolicy({ namespace: d.namespace })).items;
    evidence.json(
      'networkpolicies',
      nps.map((n) => ({ name: n.metadata?.name, spec: n.spec })),
    );
    const { covering, allowAll } = ingressPolicies(nps, d.podSelector);
    expect(covering, `NetworkPolicies selecting ${d.podSelector} for Ingress`).not.toEqual([]);
    expect(allowAll, 'NetworkPolicies with an allow-all ingress rule').toEqual([]);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-010',
    title: 'the Dragonfly NetworkPolicies admit only the client namespaces',
    priority: 'P1',
    ac: ['SEC-001.fix'],
    risks: ['SEC-001'],
    suggestedAction:
      'kubectl -n dragonfly-system get networkpolicy -o yaml; narrow from: to the client namespaces (or label them dragonfly.io/client=true)',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const d = facts.dragonfly;
    const nps = (await cluster.networking.listNamespacedNetworkPolicy({ namespace: d.namespace })).items;
    const namespaces = (await cluster.core.listNamespace()).items;
    const beyond = admittedBeyondClients(nps, d, namespaces);
    evidence.json('admitted-beyond-clients', {
      clients: d.clientNamespaces,
      label: d.clientNamespaceLabel,
      beyond,
    });
    expect(
      ingressPolicies(nps, d.podSelector).covering,
      `NetworkPolicies selecting ${d.podSelector}`,
    ).not.toEqual([]);
    expect(beyond, 'admitted beyond the client namespaces').toEqual([]);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-006',
    title: 'a pod in a namespace not allowed by the NetworkPolicy cannot reach Dragonfly',
    priority: 'P1',
    ac: ['SEC-001.deny'],
    risks: ['SEC-001'],
    requires: {
      'cilium.enforcesNetworkPolicy': 'the CNI does not enforce NetworkPolicy here; negative test not run',
    },
    suggestedAction:
      'check the NetworkPolicy and that the CNI enforces it (cilium-dbg policy get; hubble observe --verdict DROPPED)',
    timeoutMs: 120_000,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const d = facts.dragonfly;
    const namespace = await run.namespace();
    const targets = await readyDataPods(k, d);
    expect(targets.length, 'Ready Dragonfly pods with an IP').toBeGreaterThan(0);
    expect(withoutPort(targets, d.port), `Dragonfly pods without containerPort ${d.port}`).toEqual([]);
    const client = await ncClient(k, facts, namespace);
    const controls = await positiveControls(k, facts, client);
    const attempts = await ncEach(client, targets, d.port);
    evidence.json('denied-attempts', { controls, attempts });
    for (const c of controls)
      expect(
        c.exitCode,
        `positive control: nc from ${namespace}/${client.name} to ${c.target} exited ${c.exitCode} (${c.output || 'no output'}); without it a failed nc proves nothing`,
      ).toBe(0);
    const { reached, unclear } = deniedVerdict(attempts);
    expect(reached, `reachable from denied namespace ${namespace}: ${reached.join(', ')}`).toEqual([]);
    expect(unclear, 'attempts that neither connected nor failed to connect').toEqual([]);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-007',
    title: 'Dragonfly SET/GET latency p95 is recorded',
    priority: 'P2',
    suggestedAction:
      'compare with earlier runs; check node load and cross-cluster routing of the Global Service',
    timeoutMs: 120_000,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const d = facts.dragonfly;
    const password = await readSecretValue(k, d.namespace, d.password.name, d.password.key);
    const { set, get } = await setGetLatency(k, d, run, password);
    const s = summarize(set);
    const g = summarize(get);
    evidence.json('latency', {
      note: 'measured from the runner through a port-forward tunnel',
      set: s,
      get: g,
      samplesMs: { set, get },
    });
    evidence.metric('dragonfly_set_p95_ms', s.p95Ms);
    evidence.metric('dragonfly_get_p95_ms', g.p95Ms);
    expect(s.samples + g.samples).toBe(2 * d.samples);
  },
);

// Disruptive (runs only with --allow-disruptive): it evicts a data pod of the live cache.
dragonfly.check(
  {
    id: 'DB-DRAGONFLY-008',
    title:
      'disruption: one Dragonfly pod may be evicted, a second eviction is refused by the PDB, the cache answers throughout and the pod returns Ready',
    priority: 'P1',
    ac: ['OPS-001.drain'],
    risks: ['OPS-001'],
    disruptive: true,
    suggestedAction:
      'kubectl -n dragonfly-system get pdb,pods -o wide; the PDB must select the data pods and the StatefulSet must recreate an evicted pod',
    timeoutMs: 240_000,
  },
  async ({ cluster: k, facts, evidence, skip }) => {
    const d = facts.dragonfly;
    const before = await listPods(k, d.namespace, d.podSelector);
    evidence.json('pods-before', before.map(podSummary));
    // never disrupt a cache that is already degraded: that is DB-DRAGONFLY-001/003's finding, not ours
    expect(
      before.filter(podReady).length,
      `Ready pods (${d.podSelector}) before the disruption; refusing to evict from a degraded cache`,
    ).toBe(d.replicas);
    const password = await readSecretValue(k, d.namespace, d.password.name, d.password.key);
    const drill = await evictionDrill(k, d, before, pinger(k, d, password), evidence);
    // judged after the recovery wait (in evictionDrill), so a failing check still leaves the cache whole
    if (drill.secondEviction !== undefined && !drill.victimBackBeforeSecond)
      expect(drill.secondEviction, `a second eviction while ${drill.victim} was away`).toBe('refused (429)');
    expect(
      drill.pings.filter((p) => p !== 'PONG'),
      'PINGs through the Service while a pod was away',
    ).toEqual([]);
    if (drill.victimBackBeforeSecond)
      skip(
        `the PodDisruptionBudget was not exercised: ${drill.victim} was back Ready before the second eviction could be tried while it was away`,
      );
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-009',
    title: 'the Dragonfly CR, its pods and the operator run the pinned images',
    priority: 'P2',
    ac: ['TECH-002'],
    risks: ['TECH-002'],
    suggestedAction:
      'kubectl -n dragonfly-system get dragonfly dragonfly -o jsonpath={.spec.image}; kubectl -n dragonfly-system get pods -o wide; bump the pins together',
    timeoutMs: 30_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const d = facts.dragonfly;
    const op = facts.workloads.dragonflyOperator;
    const cr = await getCustom(k, GVR.dragonfly, d.namespace, d.name);
    const pods = await listPods(k, d.namespace, d.podSelector);
    const operator = await k.apps.readNamespacedDeployment({
      namespace: op.namespace,
      name: op.deployments![0]!,
    });
    evidence.json('images', {
      cr: cr.spec?.image,
      pods: pods.map(podSummary),
      operator: operator.spec?.template.spec?.containers,
    });
    expect(
      imageMismatches(d, cr, pods, operator),
      'images against facts.dragonfly.image/operatorImage',
    ).toEqual([]);
  },
);

dragonfly.check(
  {
    id: 'DB-DRAGONFLY-011',
    title: 'the Dragonfly ServiceMonitor selects a Service whose ready endpoints are every Dragonfly pod',
    priority: 'P2',
    ac: ['MON-001.SM'],
    risks: ['MON-001'],
    suggestedAction:
      'kubectl -n dragonfly-system get servicemonitor dragonfly -o yaml; kubectl -n dragonfly-system get svc,endpointslices --show-labels; the selector must match the metrics Service labels and endpoints[].port one of its port names',
    timeoutMs: 60_000,
  },
  scrapesEveryPod((f) => f.dragonfly),
);
