/**
 * The simulated Cilium datapath's NetworkPolicy verdict (networking.k8s.io/v1 semantics, as
 * Cilium enforces them): may a connection from pod `src` to `dst` (a pod IP, or a Service
 * ClusterIP resolved to its backends) on TCP `port` pass? The exec shims ask before they dial
 * (lab/cluster/shims, through the pod runtime's verdict endpoint); a denied connection is dropped,
 * so the tool times out, as with a real policy drop.
 *
 * `mode` is cilium-config's `enable-policy`: `default` enforces on pods some policy selects,
 * `always` also denies pods no policy selects, `never` enforces nothing.
 * Not simulated: CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy, L7 rules, UDP/SCTP, named
 * ports on the source side of an egress rule; host-network sources.
 */
import type {
  V1LabelSelector,
  V1Namespace,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';

export type PolicyMode = 'default' | 'always' | 'never';

export interface PolicyWorld {
  mode: PolicyMode;
  pods: readonly V1Pod[];
  /** the pods the runtime serves (netexec): where a pod IP that KWOK gave twice really leads */
  served?: (p: V1Pod) => boolean;
  services: readonly V1Service[];
  namespaces: readonly V1Namespace[];
  policies: readonly V1NetworkPolicy[];
}

export interface Verdict {
  allowed: boolean;
  /** why, for the shim's message and the runtime's log */
  reason: string;
  /** the destination IP is held by several pods that the policies treat differently: no verdict */
  ambiguous?: boolean;
}

export function matchesLabelSelector(
  sel: V1LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const labelsOf = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels ?? {};
const nsOf = (p: V1Pod) => p.metadata?.namespace ?? '';
const podName = (p: V1Pod) => `${nsOf(p)}/${p.metadata?.name}`;

function ipIn(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = Number(bits ?? 32);
  const num = (a: string) => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(base ?? '')) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (num(ip) & mask) === (num(base!) & mask);
}

/** The peer admits `other` (the source of an ingress rule, the destination of an egress rule). */
function peerAdmits(peer: V1NetworkPolicyPeer, policyNs: string, other: V1Pod, w: PolicyWorld): boolean {
  if (peer.ipBlock) {
    const ip = other.status?.podIP ?? '';
    return ipIn(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => ipIn(ip, c));
  }
  const ns = w.namespaces.find((n) => n.metadata?.name === nsOf(other));
  const nsOk = peer.namespaceSelector
    ? matchesLabelSelector(peer.namespaceSelector, labelsOf(ns ?? {}))
    : nsOf(other) === policyNs;
  const podOk = peer.podSelector ? matchesLabelSelector(peer.podSelector, labelsOf(other)) : true;
  return nsOk && podOk;
}

function portAdmits(ports: readonly V1NetworkPolicyPort[] | undefined, dst: V1Pod, port: number): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false;
    if (p.port === undefined) return true;
    const named = typeof p.port === 'string' && !/^\d+$/.test(p.port);
    const first = named
      ? dst.spec?.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === p.port)?.containerPort
      : Number(p.port);
    if (first === undefined) return false;
    return p.endPort ? port >= first && port <= p.endPort : port === first;
  });
}

const types = (np: V1NetworkPolicy) =>
  np.spec?.policyTypes ?? (np.spec?.egress ? ['Ingress', 'Egress'] : ['Ingress']);

function selecting(w: PolicyWorld, pod: V1Pod, type: 'Ingress' | 'Egress'): V1NetworkPolicy[] {
  return w.policies.filter(
    (np) =>
      np.metadata?.namespace === nsOf(pod) &&
      types(np).includes(type) &&
      matchesLabelSelector(np.spec?.podSelector ?? {}, labelsOf(pod)),
  );
}

function podVerdict(w: PolicyWorld, src: V1Pod, dst: V1Pod, port: number): Verdict {
  const egress = selecting(w, src, 'Egress');
  if (egress.length || w.mode === 'always') {
    const ok = egress.some((np) =>
      (np.spec?.egress ?? []).some(
        (r) =>
          portAdmits(r.ports, dst, port) &&
          (!r.to?.length || r.to.some((peer) => peerAdmits(peer, nsOf(src), dst, w))),
      ),
    );
    if (!ok)
      return {
        allowed: false,
        reason: `egress of ${podName(src)} to ${podName(dst)}:${port} denied (${egress.map((n) => n.metadata?.name).join(', ') || 'enable-policy=always'})`,
      };
  }
  const ingress = selecting(w, dst, 'Ingress');
  if (ingress.length || w.mode === 'always') {
    const ok = ingress.some((np) =>
      (np.spec?.ingress ?? []).some(
        (r) =>
          portAdmits(r.ports, dst, port) &&
          (!r._from?.length || r._from.some((peer) => peerAdmits(peer, nsOf(dst), src, w))),
      ),
    );
    if (!ok)
      return {
        allowed: false,
        reason: `ingress of ${podName(dst)}:${port} from ${podName(src)} denied (${ingress.map((n) => n.metadata?.name).join(', ') || 'enable-policy=always'})`,
      };
  }
  return { allowed: true, reason: `${podName(src)} -> ${podName(dst)}:${port} allowed` };
}

/** The backends of a ClusterIP Service with the pod port `port` maps to, or undefined: not a Service IP. */
function serviceBackends(
  w: PolicyWorld,
  ip: string,
  port: number,
): { pod: V1Pod; port: number }[] | undefined {
  const svc = w.services.find((s) => s.spec?.clusterIP === ip);
  if (!svc) return undefined;
  const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
  const sel = svc.spec?.selector;
  if (!sp || !sel || Object.keys(sel).length === 0) return [];
  return w.pods
    .filter(
      (p) =>
        nsOf(p) === svc.metadata?.namespace &&
        p.status?.podIP &&
        Object.entries(sel).every(([k, v]) => labelsOf(p)[k] === v),
    )
    .flatMap((p) => {
      const t = sp.targetPort ?? sp.port;
      const n =
        typeof t === 'number' || /^\d+$/.test(String(t))
          ? Number(t)
          : p.spec?.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === t)?.containerPort;
      return n === undefined ? [] : [{ pod: p, port: n }];
    });
}

/**
 * The verdict for a connection from pod `src` (`namespace/name`) to `dstIP`:`port`. A source or
 * destination that is no pod of this cluster (and no Service of it) is not policed here. KWOK can
 * give one IP to two pods (a pod created before its restart whose IP it did not mark used): the
 * served pod holding the IP is the destination (it is what listens there); among other holders the
 * policies treated differently there is no verdict (`ambiguous`): neither pass nor drop is the truth.
 */
export function policyVerdict(w: PolicyWorld, src: string, dstIP: string, port: number): Verdict {
  if (w.mode === 'never') return { allowed: true, reason: 'enable-policy=never: nothing enforced' };
  const from = w.pods.find((p) => podName(p) === src && !p.spec?.hostNetwork);
  if (!from) return { allowed: true, reason: `source ${src} is no pod here: not policed` };
  const backends = serviceBackends(w, dstIP, port);
  if (backends) {
    if (backends.length === 0)
      return { allowed: true, reason: `Service ${dstIP}:${port} has no backends here` };
    const verdicts = backends.map((b) => podVerdict(w, from, b.pod, b.port));
    return verdicts.find((v) => v.allowed) ?? verdicts[0]!;
  }
  const holders = w.pods.filter(
    (p) => p.status?.podIP === dstIP && !p.spec?.hostNetwork && !p.metadata?.deletionTimestamp,
  );
  const served = holders.filter((p) => w.served?.(p));
  const dst = served.length ? served : holders;
  if (!dst.length) return { allowed: true, reason: `destination ${dstIP} is no pod here: not policed` };
  const verdicts = dst.map((d) => podVerdict(w, from, d, port));
  if (verdicts.some((v) => v.allowed) && verdicts.some((v) => !v.allowed))
    return {
      allowed: false,
      ambiguous: true,
      reason: `${dstIP} is held by ${dst.length} pods (${dst.map(podName).join(', ')}; KWOK gave the IP twice) that the policies treat differently; lab down --purge && lab up gives every pod its own IP`,
    };
  return verdicts[0]!;
}

/** cilium-config's `enable-policy` (upstream default `default`); anything else is named as invalid. */
export function policyMode(value: string | undefined): PolicyMode {
  const v = (value ?? 'default').trim();
  if (v === 'default' || v === 'always' || v === 'never') return v;
  throw new Error(`cilium-config enable-policy: '${v}' is not one of default, always, never`);
}
