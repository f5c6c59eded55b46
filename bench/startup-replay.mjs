// The yardsticks of `pnpm bench startup`: the same API requests a `pnpm test` run made (read from the
// lab's audit log), replayed with the same client library and no framework. Imported by the floor
// (one plain Node process, bench/startup-floor.mjs) and by the bare vitest files the bench writes.
import https from 'node:https';
import { URL } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';

/** A client for one context of a kubeconfig: `get(uri)` resolves to the HTTP status. */
export async function clientFor(kubeconfig, context) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(context);
  const server = new URL(kc.getCurrentCluster().server);
  if (!['127.0.0.1', 'localhost', '::1'].includes(server.hostname) && !server.hostname.startsWith('127.')) {
    throw new Error(`${context}: ${server.host} is not loopback; the bench replays against the lab only`);
  }
  const opts = {};
  await kc.applyToHTTPSOptions(opts);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const get = (uri) =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          ...opts,
          agent,
          method: 'GET',
          hostname: server.hostname,
          port: server.port,
          path: uri,
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${context}: GET ${uri} timed out`)));
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}
