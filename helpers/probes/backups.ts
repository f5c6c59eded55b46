// DB-CNPG-003: the shared cluster's ScheduledBackup runs: not suspended, scheduled within the last
// maxAgeHours (daily: a day and some slack), and the newest finished Backup of the cluster completed
// (one still pending, started, running or finalizing is not judged: the 3 am backup may be under way).
import type { KObject } from '../reads/k8s.js';

const IN_PROGRESS = ['pending', 'started', 'running', 'finalizing'];
const clusterOf = (o: KObject) => (o.spec?.cluster as { name?: string } | undefined)?.name;
const when = (b: KObject) =>
  Date.parse(
    String(
      b.status?.startedAt ??
        (b.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp ??
        0,
    ),
  ) || 0;

/** What is wrong with the backups of CNPG cluster `cluster` (empty: scheduled and succeeding). */
export function scheduledBackupProblems(
  scheduled: readonly KObject[],
  backups: readonly KObject[],
  cluster: string,
  maxAgeHours: number,
  now: Date,
): string[] {
  const mine = scheduled.filter((s) => clusterOf(s) === cluster);
  if (mine.length === 0) return [`no ScheduledBackup for Cluster ${cluster}`];
  const problems: string[] = [];
  for (const s of mine) {
    const where = `ScheduledBackup ${s.metadata?.namespace}/${s.metadata?.name}`;
    if (s.spec?.suspend === true) problems.push(`${where}: suspended`);
    const last = s.status?.lastScheduleTime as string | undefined;
    if (!last) problems.push(`${where}: never scheduled (no lastScheduleTime)`);
    else if (now.getTime() - Date.parse(last) > maxAgeHours * 3_600_000)
      problems.push(`${where}: last scheduled ${last}, more than ${maxAgeHours} h ago`);
  }
  const newest = backups
    .filter((b) => clusterOf(b) === cluster && !IN_PROGRESS.includes(String(b.status?.phase)))
    .sort((a, b) => when(b) - when(a))[0];
  if (!newest) problems.push(`Cluster ${cluster}: no finished Backup`);
  else if (newest.status?.phase !== 'completed') {
    const err = newest.status?.error ? `: ${String(newest.status.error)}` : '';
    problems.push(
      `Backup ${newest.metadata?.namespace}/${newest.metadata?.name} (newest finished): phase ${String(newest.status?.phase ?? 'none')}${err}`,
    );
  }
  return problems;
}
