// The HTTP layer under every generated API client of a ClusterHandle. client-node 1.x sends requests
// with node-fetch; this wraps its library to add what the framework needs in one place:
//  - a bounded time per request (AbortSignal), so an unreachable server fails in seconds, not hangs;
//  - one keep-alive agent per cluster (client-node builds a new agent per request otherwise);
//  - errors that name the cluster, context, server and request;
//  - a record of every object read or written (the runner attaches their status on failure);
//  - registration of every Secret value seen in a response with the redaction registry;
//  - a User-Agent naming the run and the check (./user-agent.ts).
import http from 'node:http';
import https from 'node:https';
import {
  IsomorphicFetchHttpLibrary,
  wrapHttpLibrary,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { registerSecretData } from '../evidence/redact.js';
import { ClusterAccessError, errorText } from './errors.js';
import { apiVersionOf, kindForResource, parseApiPath } from './objects.js';
import type { TouchedLog } from './touched.js';
import { userAgent } from './user-agent.js';

export interface HttpLayerOptions {
  cluster: string;
  context: string;
  server: string;
  requestTimeoutMs: number;
  /** Objects the handle read or wrote, in order (bounded ring; consecutive duplicates collapsed). */
  touched: TouchedLog;
}

/** Registers Secret values from an API response body (a Secret, a SecretList, or anything else holding them). */
export function registerSecretsInBody(text: string): void {
  if (!text.includes('"Secret')) return;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return;
  }
  const visit = (o: unknown) => {
    if (!o || typeof o !== 'object') return;
    const rec = o as {
      kind?: string;
      data?: Record<string, string>;
      stringData?: Record<string, string>;
      items?: unknown[];
    };
    if (rec.kind === 'Secret') registerSecretData(rec.data, rec.stringData);
    if (Array.isArray(rec.items)) {
      // items of a SecretList carry no kind of their own
      for (const it of rec.items) {
        if (rec.kind === 'SecretList') {
          const s = it as { data?: Record<string, string>; stringData?: Record<string, string> };
          registerSecretData(s.data, s.stringData);
        } else visit(it);
      }
    }
  };
  visit(obj);
}

/** Auth that applies the kubeconfig but swaps client-node's per-request agent for one shared keep-alive agent. */
export function keepAliveAuth(kc: KubeConfig): SecurityAuthentication {
  let shared: http.Agent | undefined;
  return {
    getName: () => 'kubeconfig (shared keep-alive agent)',
    async applySecurityAuthentication(context: RequestContext) {
      await kc.applySecurityAuthentication(context);
      const agent = context.getAgent();
      if (!shared && agent) {
        const opts = (agent as unknown as { options?: https.AgentOptions }).options ?? {};
        if (agent instanceof https.Agent)
          shared = new https.Agent({ ...opts, keepAlive: true, maxSockets: 32 });
        else if (agent.constructor === http.Agent)
          shared = new http.Agent({ ...opts, keepAlive: true, maxSockets: 32 });
        else shared = agent; // proxy agents: keep as built
      }
      if (shared && agent !== shared) {
        agent?.destroy();
        context.setAgent(shared);
      }
    },
  };
}

export function createHttpLayer(o: HttpLayerOptions): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  return wrapHttpLibrary({
    async send(req: RequestContext): Promise<ResponseContext> {
      const url = new URL(req.getUrl());
      const method = String(req.getHttpMethod());
      const what = `${method} ${url.pathname}`;
      // A caller's own signal (e.g. a watch) wins; otherwise bound the request.
      if (!req.getSignal()) req.setSignal(AbortSignal.timeout(o.requestTimeoutMs));
      req.setHeaderParam('User-Agent', userAgent()); // run + check, for the audit log
      let resp: ResponseContext;
      try {
        resp = await inner.send(req).toPromise();
      } catch (err) {
        const timedOut =
          (err as { name?: string }).name === 'AbortError' || (err as { type?: string }).type === 'aborted';
        const where = `cluster "${o.cluster}" (context "${o.context}", server ${o.server})`;
        throw new ClusterAccessError(
          timedOut ? 'TIMEOUT' : 'UNREACHABLE',
          timedOut
            ? `${where}: ${what} got no answer within ${o.requestTimeoutMs} ms`
            : `${where}: ${what} failed: ${errorText(err)}`,
          { cluster: o.cluster, context: o.context, server: o.server },
          { cause: err },
        );
      }
      const p = parseApiPath(url.pathname);
      if (p?.name) {
        o.touched.record({
          apiVersion: apiVersionOf(p.group, p.version),
          kind: kindForResource(p.resource),
          namespace: p.namespace,
          name: p.name,
        });
      }
      const isSecretPath = p?.resource === 'secrets';
      // a create names its object only in the response: record it from there
      const isCreate = method === 'POST' && !!p && !p.name && resp.httpStatusCode < 300;
      const origText = resp.body.text.bind(resp.body);
      resp.body.text = async () => {
        const t = await origText();
        if (isSecretPath || t.includes('"kind":"Secret')) registerSecretsInBody(t);
        if (isCreate && t.length < 1_000_000) {
          try {
            const obj = JSON.parse(t) as {
              apiVersion?: string;
              kind?: string;
              metadata?: { name?: string; namespace?: string };
            };
            if (obj.kind && obj.metadata?.name) {
              o.touched.record({
                apiVersion: obj.apiVersion,
                kind: obj.kind,
                namespace: obj.metadata.namespace,
                name: obj.metadata.name,
              });
            }
          } catch {}
        }
        return t;
      };
      return resp;
    },
  });
}
