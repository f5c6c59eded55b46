// setupFiles entry of the cluster projects: console output of checks goes through redaction
// (Secret values registered in this worker, passwords in URLs, bearer tokens); API requests carry
// the current check's id in their User-Agent (helpers/cluster/user-agent.ts, read by the audit log).
import { format } from 'node:util';
import { afterAll, beforeEach } from 'vitest';
import { setRequestTag } from '../cluster/user-agent.js';
import { redact } from '../evidence/redact.js';
import { flushSecrets } from '../evidence/secret-channel.js';

for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const orig = console[m].bind(console);
  console[m] = (...args: unknown[]) => orig(redact(format(...args)));
}

// One check at a time per worker. Not cleared after each check: its failure evidence (onTestFailed,
// after afterEach) is still its own. After the file, what follows is the worker's teardown.
beforeEach(({ task }) => {
  const id = task.meta.pv?.id;
  setRequestTag(id ? `check ${id}` : undefined);
  // an annotation goes to the main process at once (not with the result): masked here, and the
  // main process learns this worker's secrets before it prints or writes it. vitest parses a hook's
  // first parameter as fixtures, so the context is reached through the task.
  const context = (task as { context?: { annotate?: unknown } }).context;
  const annotate = context?.annotate as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (context && annotate) {
    context.annotate = async (message: string, ...rest: unknown[]) => {
      await flushSecrets();
      return annotate(redact(message), ...rest);
    };
  }
});
afterAll(() => setRequestTag('phase teardown'));
