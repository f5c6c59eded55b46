// Peer clusters for a check (helpers/reads/peers.ts proves each one's identity first).
import { peerClusters, type Peer } from '../reads/peers.js';

/**
 * peerClusters for a check: when a peer's identity is refused, nothing of it was read, so the refusal
 * itself is attached (`peer-identity.txt`) before the error fails the check.
 */
export async function peerClustersOrEvidence(
  self: string,
  evidence: { text(name: string, body: string): unknown },
): Promise<Peer[]> {
  return peerClusters(self).catch((e: unknown) => {
    evidence.text('peer-identity.txt', `${(e as Error).message}\n`);
    throw e;
  });
}
