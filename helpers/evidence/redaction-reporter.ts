// Main process: redaction of what workers send before any other reporter sees it. vitest calls the
// reporters of a run in order, each event synchronously first, so this reporter, listed FIRST,
// redacts in place (with the main process's store, which the secret channel fills from the workers)
// the task results, skip notes, annotations, console logs and unhandled errors that vitest's default
// reporter prints and the JUnit reporter writes.
import type { Reporter, SerializedError, TestCase, TestModule, TestSuite } from 'vitest/node';
import type { TestAnnotation, UserConsoleLog } from 'vitest';
import { redact, redactDeep, redactTaskResult } from './redact.js';

type WithTask = { task?: unknown };
const taskOf = (entity: unknown) => (entity as WithTask | undefined)?.task;

export class SecretRedactionReporter implements Reporter {
  onTestCaseResult(testCase: TestCase): void {
    redactTaskResult(taskOf(testCase));
    // the errors result() hands out are the task's own (in place), also without `task`
    redactDeep(testCase.result().errors);
  }

  onTestSuiteResult(testSuite: TestSuite): void {
    redactTaskResult(taskOf(testSuite));
  }

  onTestModuleEnd(testModule: TestModule): void {
    redactTaskResult(taskOf(testModule));
  }

  onTestCaseAnnotate(_testCase: TestCase, annotation: TestAnnotation): void {
    redactDeep(annotation);
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    if (typeof log.content === 'string') log.content = redact(log.content);
  }

  onTaskUpdate(packs: unknown[]): void {
    // [id, result, meta] per task: result and meta are what the state keeps
    for (const p of packs) if (Array.isArray(p)) redactDeep(p.slice(1));
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    redactDeep(unhandledErrors as unknown[]);
    for (const m of modules) {
      redactTaskResult(taskOf(m));
      for (const s of m.children.allSuites()) redactTaskResult(taskOf(s));
      for (const t of m.children.allTests()) redactTaskResult(taskOf(t));
    }
  }
}

/**
 * Main process, belt and braces: redacts every string written to process.stdout/stderr (vitest's own
 * reporter output, a library's log). Returns the function that restores the original writers.
 */
export function redactProcessOutput(): () => void {
  const restore: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write;
    const wrapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      let c = chunk;
      if (typeof c === 'string') c = redact(c);
      else if (Buffer.isBuffer(c)) {
        const s = c.toString('utf8');
        const r = redact(s);
        if (r !== s) c = r;
      }
      return (orig as (...a: unknown[]) => boolean).call(this, c, ...rest);
    };
    stream.write = wrapped as typeof stream.write;
    restore.push(() => {
      if (stream.write === wrapped) stream.write = orig;
    });
  }
  return () => restore.forEach((f) => f());
}
