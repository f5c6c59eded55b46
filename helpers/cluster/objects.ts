// Object references: parsing API paths into refs (to record what a check touched) and the small
// resource->kind table for the kinds the suites use. Unknown resources keep their plural as kind.

export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ApiPath {
  group: string; // '' for the core group
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Parses `/api/v1/namespaces/ns/pods/name/status` style paths; undefined for discovery and non-resource paths. */
export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(2);
  } else {
    return undefined;
  }
  const version = rest[0]!;
  let i = 1;
  let namespace: string | undefined;
  if (rest[i] === 'namespaces' && rest.length >= i + 3) {
    namespace = rest[i + 1];
    i += 2;
  }
  const resource = rest[i];
  if (!resource) return undefined;
  const name = rest[i + 1];
  const subresource = rest[i + 2];
  if (!namespace && resource === 'namespaces' && name && rest[i + 2] === undefined) {
    return { group, version, resource, name };
  }
  return { group, version, resource, namespace, name, subresource };
}

const KINDS: Record<string, string> = {
  pods: 'Pod',
  services: 'Service',
  endpoints: 'Endpoints',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  namespaces: 'Namespace',
  nodes: 'Node',
  events: 'Event',
  persistentvolumeclaims: 'PersistentVolumeClaim',
  persistentvolumes: 'PersistentVolume',
  serviceaccounts: 'ServiceAccount',
  deployments: 'Deployment',
  daemonsets: 'DaemonSet',
  statefulsets: 'StatefulSet',
  replicasets: 'ReplicaSet',
  jobs: 'Job',
  cronjobs: 'CronJob',
  ingresses: 'Ingress',
  networkpolicies: 'NetworkPolicy',
  endpointslices: 'EndpointSlice',
  storageclasses: 'StorageClass',
  poddisruptionbudgets: 'PodDisruptionBudget',
  customresourcedefinitions: 'CustomResourceDefinition',
  leases: 'Lease',
};

export function kindForResource(resource: string): string {
  return KINDS[resource] ?? resource;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function refKey(ref: ObjectRef): string {
  return `${ref.apiVersion ?? ''}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function describeRef(ref: { kind: string; namespace?: string; name: string }): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
