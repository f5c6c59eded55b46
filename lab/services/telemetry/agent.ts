/**
 * The lab's telemetry agent (one small process standing in for two collectors of the platform):
 *
 * 1. Dragonfly exporter: `GET /metrics/<pod>` runs a real `INFO` on that Redis (the lab's
 *    Dragonfly) and answers its figures under Dragonfly's own `/metrics` names (`dragonfly_*`):
 *    simulated naming over real data. A Redis that does not answer (stopped, wrong password)
 *    gets HTTP 503, so VictoriaMetrics records `up == 0` for that pod.
 * 2. Log shipper (fluent-bit's job): follows the lab processes' plain log files and posts new
 *    lines to VictoriaLogs' JSON-lines ingestion API with the stream fields cluster, namespace,
 *    pod, container. Offsets persist in a state file so a restart ships no line twice.
 *
 * Config (env): PV_TELEMETRY_PORT, PV_TELEMETRY_CONFIG (JSON file, see AgentConfig),
 * PV_LAB_CREDENTIALS (the lab credentials file; the Redis password is read from it, never logged).
 * Everything is on 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import { Redis } from 'ioredis';

export interface LogSource {
  file: string;
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
}

export interface AgentConfig {
  /** pod name -> local Redis port */
  redis: Record<string, number>;
  /** e.g. http://127.0.0.1:31081 */
  victoriaLogs: string;
  sources: LogSource[];
  /** where shipped offsets are kept */
  stateFile: string;
}

const port = Number(process.env.PV_TELEMETRY_PORT);
const configFile = process.env.PV_TELEMETRY_CONFIG ?? '';
if (!Number.isInteger(port) || port <= 0 || !configFile) {
  console.error('telemetry agent: PV_TELEMETRY_PORT and PV_TELEMETRY_CONFIG are required');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as AgentConfig;
const log = (m: string) => console.log(`${new Date().toISOString()} telemetry-agent: ${m}`);

function redisPassword(): string {
  const file = process.env.PV_LAB_CREDENTIALS ?? '';
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { dragonfly: { password: string } }).dragonfly
    .password;
}

// --- Dragonfly exporter -------------------------------------------------------------------

function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Dragonfly's metric name -> [type, help, value from Redis INFO] */
function dragonflySeries(info: Map<string, string>): string {
  const num = (k: string) => Number(info.get(k) ?? 'NaN');
  const out: string[] = [];
  const add = (name: string, type: string, help: string, value: number, labels = '') => {
    if (!Number.isFinite(value)) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  add('dragonfly_uptime_in_seconds', 'counter', 'Server uptime', num('uptime_in_seconds'));
  add('dragonfly_connected_clients', 'gauge', 'Number of connected clients', num('connected_clients'));
  add('dragonfly_memory_used_bytes', 'gauge', 'Memory used', num('used_memory'));
  add('dragonfly_used_memory_rss_bytes', 'gauge', 'Used memory rss', num('used_memory_rss'));
  add(
    'dragonfly_commands_processed_total',
    'counter',
    'Total number of commands processed',
    num('total_commands_processed'),
  );
  add(
    'dragonfly_connections_received_total',
    'counter',
    'Total number of connections',
    num('total_connections_received'),
  );
  add('dragonfly_keyspace_hits_total', 'counter', 'Keyspace hits', num('keyspace_hits'));
  add('dragonfly_keyspace_misses_total', 'counter', 'Keyspace misses', num('keyspace_misses'));
  add('dragonfly_expired_keys_total', 'counter', 'Expired keys', num('expired_keys'));
  add('dragonfly_evicted_keys_total', 'counter', 'Evicted keys', num('evicted_keys'));
  add('dragonfly_master', 'gauge', '1 if master, 0 if replica', info.get('role') === 'master' ? 1 : 0);
  add('dragonfly_connected_replicas', 'gauge', 'Number of connected replicas', num('connected_slaves'));
  const db0 = /keys=(\d+)/.exec(info.get('db0') ?? '');
  add('dragonfly_db_keys', 'gauge', 'Total number of keys by DB', db0 ? Number(db0[1]) : 0, '{db="db0"}');
  return out.join('\n') + '\n';
}

async function scrapeRedis(pod: string): Promise<string> {
  const redisPort = config.redis[pod];
  if (!redisPort) throw new Error(`unknown pod ${pod}`);
  // one short-lived connection per scrape: a stopped Redis or a changed password shows at once
  const r = new Redis({
    host: '127.0.0.1',
    port: redisPort,
    password: redisPassword(),
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return dragonflySeries(parseInfo(await r.info()));
  } finally {
    r.disconnect();
  }
}

const server = http.createServer((req, res) => {
  const m = /^\/metrics\/([\w.-]+)$/.exec(req.url ?? '');
  if (req.url === '/health') {
    res.end('ok\n');
    return;
  }
  if (!m || req.method !== 'GET') {
    res.statusCode = 404;
    res.end(`not found; try /metrics/<pod> with pod one of ${Object.keys(config.redis).join(', ')}\n`);
    return;
  }
  scrapeRedis(m[1]!).then(
    (body) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(body);
    },
    (e: Error) => {
      res.statusCode = 503;
      res.end(`INFO on ${m[1]} failed: ${e.message}\n`);
    },
  );
});
server.listen(port, '127.0.0.1', () =>
  log(`listening on 127.0.0.1:${port}; following ${config.sources.length} log files`),
);

// --- log shipper ----------------------------------------------------------------------------

const MAX_BATCH = 512 * 1024;
/** on first sight of a file, ship at most its last 64 KiB */
const BACKFILL = 64 * 1024;
const offsets: Record<string, number> = (() => {
  try {
    return JSON.parse(fs.readFileSync(config.stateFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
})();

function newLines(src: LogSource): { lines: string[]; next: number } | undefined {
  let size: number;
  try {
    size = fs.statSync(src.file).size;
  } catch {
    return undefined;
  }
  let from = offsets[src.file] ?? Math.max(0, size - BACKFILL);
  if (size < from) from = 0; // truncated or replaced
  if (size === from) return undefined;
  const len = Math.min(size - from, MAX_BATCH);
  const buf = Buffer.alloc(len);
  const fd = fs.openSync(src.file, 'r');
  try {
    fs.readSync(fd, buf, 0, len, from);
  } finally {
    fs.closeSync(fd);
  }
  const text = buf.toString('utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return len === MAX_BATCH ? { lines: [text], next: from + len } : undefined;
  let lines = text.slice(0, end).split('\n');
  // the first line of a backfill may start mid-line
  if (offsets[src.file] === undefined && from > 0) lines = lines.slice(1);
  return { lines: lines.filter((l) => l.trim()), next: from + Buffer.byteLength(text.slice(0, end + 1)) };
}

async function shipOnce(): Promise<void> {
  for (const src of config.sources) {
    const got = newLines(src);
    if (!got) continue;
    if (got.lines.length) {
      const body =
        got.lines
          .map((l) =>
            JSON.stringify({
              _msg: l,
              cluster: src.cluster,
              namespace: src.namespace,
              pod: src.pod,
              container: src.container,
              source: 'lab-telemetry-agent',
            }),
          )
          .join('\n') + '\n';
      const url = `${config.victoriaLogs}/insert/jsonline?_stream_fields=cluster,namespace,pod,container&_msg_field=_msg`;
      const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`VictoriaLogs ingestion answered HTTP ${res.status} for ${src.file}`);
    }
    offsets[src.file] = got.next;
  }
  fs.writeFileSync(config.stateFile, JSON.stringify(offsets));
}

let lastError = '';
async function loop(): Promise<void> {
  try {
    await shipOnce();
    if (lastError) log('log shipping recovered');
    lastError = '';
  } catch (e) {
    const msg = (e as Error).message;
    if (msg !== lastError) log(`log shipping failed (retrying every 2 s): ${msg}`);
    lastError = msg;
  }
  setTimeout(() => void loop(), 2_000);
}
void loop();

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
