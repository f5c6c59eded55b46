/**
 * What each simulated operator writes when the object it manages fails (the `resourcesFailing`
 * fault): the failure shapes of the upstream controllers, applied over the healthy status so what
 * the operator keeps (an old artifact, the components it deployed) stays. A kind without an entry
 * here cannot be failed: asking for it is an error naming the kind.
 */
type Status = Record<string, unknown>;
type Cond = { type: string; status: string; reason: string; message: string };

const replaceCondition = (s: Status, c: Cond): Cond[] => [
  c,
  ...((s.conditions as Cond[] | undefined) ?? []).filter((x) => x.type !== c.type),
];

const FAILING: Record<string, (healthy: Status, name: string, namespace: string) => Status> = {
  // source-controller v1.7: the pull fails, the last artifact stays in storage
  OCIRepository: (s) => ({
    ...s,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'OCIArtifactPullFailed',
        message: 'failed to pull artifact: GET https://ghcr.io/token: UNAUTHORIZED: authentication required',
      },
      {
        type: 'FetchFailed',
        status: 'True',
        reason: 'OCIArtifactPullFailed',
        message: 'authentication required',
      },
      ...((s.conditions as Cond[] | undefined) ?? []).filter((c) => c.type === 'ArtifactInStorage'),
    ],
  }),
  // helm-controller v1.4: an upgrade that timed out
  HelmRelease: (s, name, namespace) => ({
    ...s,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'UpgradeFailed',
        message: `Helm upgrade failed for release ${namespace}/${name}: context deadline exceeded`,
      },
      { type: 'Released', status: 'False', reason: 'UpgradeFailed', message: 'context deadline exceeded' },
    ],
  }),
  // flux-operator: the instance's manifests could not be applied
  FluxInstance: (s) => ({
    ...s,
    conditions: replaceCondition(s, {
      type: 'Ready',
      status: 'False',
      reason: 'ReconciliationFailed',
      message:
        'Deployment/flux-system/kustomize-controller dry-run failed: admission webhook denied the request',
    }),
  }),
  // cert-manager: the Secret is gone and re-issuance failed (notAfter is read from the Secret)
  Certificate: (s) => {
    const { notAfter: _a, notBefore: _b, renewalTime: _r, ...rest } = s;
    return {
      ...rest,
      failedIssuanceAttempts: 1,
      lastFailureTime: '${NOW}',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'DoesNotExist',
          message: 'Issuing certificate as Secret does not exist',
        },
        {
          type: 'Issuing',
          status: 'False',
          reason: 'Failed',
          message:
            'The certificate request has failed to complete and will be retried: Failed to finalize Order: 429 urn:ietf:params:acme:error:rateLimited: too many certificates already issued',
        },
      ],
    };
  },
  // the Cilium agent: the session to the router is down (BGP Active state), nothing advertised
  CiliumBGPNodeConfig: (s) => ({
    ...s,
    bgpInstances: ((s.bgpInstances as Status[] | undefined) ?? []).map((inst) => ({
      ...inst,
      peers: ((inst.peers as Status[] | undefined) ?? []).map((p) => {
        const { establishedTime: _e, ...peer } = p;
        return { ...peer, peeringState: 'active', routeCount: [] };
      }),
    })),
  }),
  // CloudNativePG: barman-cloud-backup failed
  Backup: (s) => ({
    ...s,
    phase: 'failed',
    error: "can't execute backup: exit status 4: barman-cloud-backup: the specified bucket does not exist",
  }),
  // VolSync: the restic mover failed
  ReplicationSource: (s) => ({
    ...s,
    latestMoverStatus: {
      result: 'Failed',
      logs: 'Fatal: unable to open config file: Stat: The specified key does not exist.\nIs there a repository at the following location?',
    },
  }),
  // VictoriaMetrics operator: a component could not be rolled out
  VMCluster: (s) => ({
    ...s,
    updateStatus: 'failed',
    reason: 'cannot wait for vmstorage StatefulSet to become ready: context deadline exceeded',
  }),
  VMAuth: (s) => ({
    ...s,
    updateStatus: 'failed',
    reason: 'cannot create or update vmauth Deployment: Forbidden',
  }),
  VLCluster: (s) => ({
    ...s,
    updateStatus: 'failed',
    reason: 'cannot wait for vlstorage StatefulSet to become ready: context deadline exceeded',
  }),
};

/** The status the operator writes when `key` (`Kind/namespace/name`) fails, over its healthy one. */
export function failingStatus(key: string, healthy: Status | undefined): Status {
  const [kind, namespace, name] = key.split('/');
  const make = FAILING[kind!];
  if (!make)
    throw new Error(
      `resourcesFailing: ${key}: no failure shape for kind ${kind}; known kinds: ${Object.keys(FAILING).join(', ')}`,
    );
  if (!healthy) throw new Error(`resourcesFailing: ${key}: no such simulated object`);
  return make(healthy, name!, namespace!);
}
