/**
 * The wildcard certificate (STORY-VALIDATE-NETWORKING AC2.20, P1-4).
 *
 * Reads: the Certificate of facts.certManager.wildcard and the (Cluster)Issuer it names. Read-only.
 *
 * Lab: cert-manager is simulated: the Certificate and ClusterIssuer status are what cert-manager
 * writes, in its upstream CRDs (cert-manager.io/v1, from the cert-manager Go module).
 */
import { suite } from '../../helpers/check/suite.js';
import { certificateIssued } from '../../helpers/probes/certificates.js';

const certs = suite({
  component: 'cert-manager',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
});

certs.check(
  {
    id: 'NET-CERT-001',
    title: 'the wildcard certificate is issued, unexpired, and its issuer is Ready',
    priority: 'P1',
    ac: ['AC2.20', 'P1-4'],
    suggestedAction:
      'kubectl -n cert-manager describe certificate wildcard-cert; kubectl get certificaterequests,orders,challenges -n cert-manager; kubectl describe clusterissuer <issuer> (ACME account)',
  },
  certificateIssued((f) => f.certManager.wildcard),
);
