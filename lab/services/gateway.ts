/**
 * HTTP data plane behind each cluster's Gateway: one real nginx (Debian) standing in for Cilium's
 * Envoy. It listens per cluster on 127.0.0.1 (the Gateway's port 80 is routed to it) and reverse
 * proxies, with keep-alive upstream connections, to a real HTTP backend: a separate nginx server
 * block of the same process (the HTTPRoute's backend) answering a small JSON document that names
 * the Gateway the request came through.
 *
 * Cilium's Gateway Service has no selector and no pods; routing covers the `networking`
 * namespace's pods on port 80 (a namespace rule), so a pod that ever backs the Gateway's Service
 * reaches this proxy. See README.md "Gateway" for what the tunnel needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loopbackFor } from '../core/datapath.js';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';

export const GATEWAY = { namespace: 'networking', port: 80 } as const;
export const GATEWAY_SERVICE = 'gateway-nginx';
const NGINX = process.env.PV_LAB_NGINX || '/usr/sbin/nginx';

export function nginxConf(dir: string, clusters: readonly LabClusterName[]): string {
  const p = servicePorts();
  const gateways = clusters
    .map(
      (c) => `
    # ${c}: Gateway networking/${c}-gateway (Service cilium-gateway-${c}-gateway :80)
    server {
        listen 127.0.0.1:${p.gateway[c]};
        # the Gateway's address ${TOPOLOGY[c].gatewayIP} (status.addresses) as the simulated datapath serves it
        listen ${loopbackFor(TOPOLOGY[c].gatewayIP)}:${GATEWAY.port};
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Lab-Gateway ${c}-gateway;
        }
    }`,
    )
    .join('\n');
  return `# written by lab/services/gateway.ts
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log stderr notice;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${path.join(dir, 'tmp', 'body')};
    proxy_temp_path ${path.join(dir, 'tmp', 'proxy')};
    fastcgi_temp_path ${path.join(dir, 'tmp', 'fastcgi')};
    uwsgi_temp_path ${path.join(dir, 'tmp', 'uwsgi')};
    scgi_temp_path ${path.join(dir, 'tmp', 'scgi')};
    keepalive_requests 10000;
    upstream backend {
        server 127.0.0.1:${p.gatewayBackend};
        keepalive 16;
    }
${gateways}

    # the HTTPRoute backend
    server {
        listen 127.0.0.1:${p.gatewayBackend};
        location / {
            default_type application/json;
            return 200 '{"backend":"lab-http-backend","gateway":"$http_x_lab_gateway","host":"$host","uri":"$request_uri"}\\n';
        }
    }
}
`;
}

export function gatewayPorts(): number[] {
  const p = servicePorts();
  return [p.gateway.infra, p.gateway.apps, p.gatewayBackend];
}

export async function startGateway(ctx: ServicesContext): Promise<void> {
  if (!fs.existsSync(NGINX)) {
    throw new Error(
      `gateway data plane: ${NGINX} not found: apt-get install nginx-light (or set PV_LAB_NGINX)`,
    );
  }
  const p = servicePorts();
  const dir = serviceDir(ctx, GATEWAY_SERVICE);
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConf(dir, ['infra', 'apps']));
  await ctx.procs.start({
    name: procName(GATEWAY_SERVICE),
    command: NGINX,
    // -e: the compiled-in /var/log/nginx/error.log is never opened
    args: ['-p', dir, '-e', 'stderr', '-c', conf, '-g', 'daemon off; master_process on;'],
    cwd: dir,
    ports: gatewayPorts(),
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${p.gateway.apps}/`, [200], 2_000)).ok,
    readyTimeoutMs: 30_000,
  });
}

export async function stopGateway(ctx: ServicesContext): Promise<void> {
  await ctx.procs.stop(procName(GATEWAY_SERVICE), 5_000);
}

export function probeGateway() {
  return probeHttp(`http://127.0.0.1:${servicePorts().gateway.infra}/`, [200]);
}

/** Route each cluster's `networking` pods on :80 to that cluster's proxy. */
export async function routeGateway(ctx: ServicesContext): Promise<void> {
  if (!ctx.routing) return;
  const p = servicePorts();
  for (const c of ctx.clusterNames ?? []) {
    await ctx.routing.routePodPort(c, {
      namespace: GATEWAY.namespace,
      ports: [GATEWAY.port],
      target: { address: '127.0.0.1', port: p.gateway[c] },
    });
  }
}
