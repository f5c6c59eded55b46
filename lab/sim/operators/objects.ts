// What the simulated reconcilers share: the object shape they handle and a cluster-wide list.
import { httpCode, type Kube, retryTooMany } from '../kube.js';

/** An object as the reconcilers read and write it (custom resources listed cluster-wide). */
export type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** Every `plural` of group/version in the cluster; none when the API server does not serve the kind. */
export async function listCustom(k: Kube, group: string, version: string, plural: string): Promise<Obj[]> {
  try {
    return (
      (await retryTooMany(() => k.custom.listClusterCustomObject({ group, version, plural }))) as {
        items: Obj[];
      }
    ).items;
  } catch (e) {
    if (httpCode(e) === 404) return [];
    throw e;
  }
}
