/**
 * The simulated datapath's address rule. Pod and Service IPs of the lab are the reference
 * platform's 10.x ranges, kept as data (the apiserver forbids loopback endpoint addresses).
 * Whatever "dials" a pod or Service IP inside the lab (exec shims, the pod runtime) dials its
 * loopback alias instead: 10.a.b.c -> 127.a.b.c. Linux routes all of 127.0.0.0/8 to lo, so
 * a local server bound to 127.a.b.c needs no setup.
 */
export function loopbackFor(ip: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) throw new Error(`datapath: '${ip}' is not an IPv4 address`);
  if (m[1] === '127') return ip;
  if (m[1] !== '10')
    throw new Error(
      `datapath: ${ip} is outside the lab's 10.0.0.0/8 pod/Service ranges; refusing to dial it`,
    );
  return `127.${m[2]}.${m[3]}.${m[4]}`;
}

/** Rewrite every 10.a.b.c in a host[:port] / URL string to its loopback alias. */
export function rewriteToLoopback(text: string): string {
  return text.replace(/\b10\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g, '127.$1.$2.$3');
}
