// Retries, per attempt. vitest 4.1 keeps the errors of every attempt of a test in ONE list
// (`task.result.errors` is never reset between retries, also not when a later attempt passes) and only
// a count (`result.retryCount`); which error belongs to which attempt it does not say. The check
// fixture (helpers/check/index.ts, `_guard`) therefore records in `task.meta.attemptErrors` how many
// errors each failed attempt added; this module splits the list with it.

/**
 * The errors of each failed attempt, oldest first (`failed` groups).
 * `perAttempt` (from task.meta.attemptErrors) is used when it covers exactly `failed` attempts;
 * errors added after the last count (e.g. by a fixture teardown) belong to the last attempt.
 * Without usable counts (a test not declared through check()): one error per attempt, the rest
 * to the last — exact whenever each attempt failed with one error, which is the usual case.
 */
export function splitAttempts<E>(
  errors: readonly E[],
  failed: number,
  perAttempt?: readonly number[],
): E[][] {
  if (failed <= 0) return [];
  const counts =
    perAttempt &&
    perAttempt.length === failed &&
    perAttempt.every((n) => Number.isInteger(n) && n >= 0) &&
    perAttempt.reduce((a, b) => a + b, 0) <= errors.length
      ? [...perAttempt]
      : Array.from({ length: failed }, () => 1);
  const groups: E[][] = [];
  let at = 0;
  for (let i = 0; i < failed; i++) {
    const last = i === failed - 1;
    const n = last ? Math.max(0, errors.length - at) : Math.min(counts[i]!, errors.length - at);
    groups.push(errors.slice(at, at + n));
    at += n;
  }
  return groups;
}
