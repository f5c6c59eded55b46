// NET-CERT-001: the wildcard Certificate (cert-manager) is issued: Ready, covering the wildcard name,
// not expired, and its issuer Ready (an issuer that lost its ACME account cannot renew it).
import type { CheckContext } from '../check/index.js';
import type { Facts } from '../config/index.js';
import { GVR, describeCondition, getCustom, isNotFound, isTrue, type KObject } from '../reads/k8s.js';
import { pollWithin } from './poll.js';
import type { Probe } from './kubernetes.js';

/** What is wrong with the certificate and its issuer (empty: issued and renewable). */
export function certificateProblems(
  cert: KObject,
  issuer: KObject | undefined,
  dnsName: string,
  now: Date,
): string[] {
  const where = `Certificate ${cert.metadata?.namespace}/${cert.metadata?.name}`;
  const problems: string[] = [];
  if (!isTrue(cert, 'Ready')) problems.push(`${where}: ${describeCondition(cert, 'Ready')}`);
  const names = [cert.spec?.commonName, ...((cert.spec?.dnsNames as string[] | undefined) ?? [])];
  if (!names.includes(dnsName))
    problems.push(`${where}: covers ${names.filter(Boolean).join(', ') || 'no name'}, not ${dnsName}`);
  const notAfter = cert.status?.notAfter as string | undefined;
  if (!notAfter) problems.push(`${where}: no notAfter (never issued)`);
  else if (Date.parse(notAfter) <= now.getTime()) problems.push(`${where}: expired at ${notAfter}`);
  const ref = cert.spec?.issuerRef as { kind?: string; name?: string } | undefined;
  const issuerName = `${ref?.kind ?? 'Issuer'} ${ref?.name}`;
  if (!issuer) problems.push(`${where}: its issuer ${issuerName} not found`);
  else if (!isTrue(issuer, 'Ready'))
    problems.push(`${where}: its issuer ${issuerName} ${describeCondition(issuer, 'Ready')}`);
  return problems;
}

async function readIssuer(ctx: CheckContext, cert: KObject): Promise<KObject | undefined> {
  const ref = cert.spec?.issuerRef as { kind?: string; name: string } | undefined;
  if (!ref) return undefined;
  const cluster = ref.kind === 'ClusterIssuer';
  try {
    return await getCustom(
      ctx.cluster,
      cluster ? GVR.clusterIssuer : GVR.issuer,
      cluster ? undefined : cert.metadata?.namespace,
      ref.name,
    );
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The Certificate `pick` names is issued for `dnsName` (polled, bounded); both objects attached. */
export function certificateIssued(
  pick: (f: Facts) => { namespace: string; name: string; dnsName: string },
  timeoutMs = 15_000,
): Probe {
  return async (ctx) => {
    const want = pick(ctx.facts);
    await pollWithin(
      async () => {
        const cert = await getCustom(ctx.cluster, GVR.certificate, want.namespace, want.name);
        const issuer = await readIssuer(ctx, cert);
        ctx.evidence.json('certificate', {
          spec: cert.spec,
          status: cert.status,
          issuer: issuer && { name: issuer.metadata?.name, status: issuer.status },
        });
        return certificateProblems(cert, issuer, want.dnsName, new Date());
      },
      `Certificate ${want.namespace}/${want.name} not issued for ${want.dnsName}`,
      timeoutMs,
    ).toEqual([]);
  };
}
