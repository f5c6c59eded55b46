// setupFiles entry of the cluster projects: console output of checks goes through redaction
// (Secret values registered in this worker, passwords in URLs, bearer tokens).
import { format } from 'node:util';
import { redact } from '../evidence/redact.js';

for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const orig = console[m].bind(console);
  console[m] = (...args: unknown[]) => orig(redact(format(...args)));
}
