/**
 * The lab API servers' audit log: one JSON line per request (stage ResponseComplete, or
 * ResponseStarted + ResponseComplete for long-running ones such as watch, exec, port-forward), so
 * `pnpm bench api-requests` can count a run's requests by the User-Agent the framework sends
 * (`platform-validation/<version> (run <id>; check <ID>)`, helpers/cluster/user-agent.ts).
 *
 * The control-plane components' own traffic (controllers, scheduler, KWOK's node/pod updates) is
 * most of a lab's requests and never the framework's, so it is not logged; everything else is, at
 * Metadata level (no bodies: Secret values never reach the file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { LabPaths } from '../core/paths.js';
import type { LabClusterName } from '../core/topology.js';

/** Users and groups of the lab's control-plane components (lab/cluster/pki.ts CLIENTS, controller SAs). */
export const AUDIT_EXCLUDED_USERS = [
  'system:apiserver',
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'kwok-controller',
];
export const AUDIT_EXCLUDED_GROUPS = ['system:nodes', 'system:serviceaccounts:kube-system'];

/** Per file, in MB, and rotated files kept: at most (1 + backups) x size per cluster. */
export const AUDIT_LOG_MAX_SIZE_MB = 100;
export const AUDIT_LOG_MAX_BACKUPS = 3;

export function auditPolicy(): Record<string, unknown> {
  return {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    // one event per request at its end is enough to count it; RequestReceived would double the file
    omitStages: ['RequestReceived'],
    rules: [
      { level: 'None', users: AUDIT_EXCLUDED_USERS },
      { level: 'None', userGroups: AUDIT_EXCLUDED_GROUPS },
      { level: 'Metadata' },
    ],
  };
}

export const auditPolicyFile = (paths: LabPaths) => path.join(paths.data, 'audit-policy.yaml');
/** Its own directory per cluster: rotation writes `audit-<timestamp>.log` beside `audit.log`. */
export const auditLogDir = (paths: LabPaths, cluster: LabClusterName) =>
  path.join(paths.logs, 'audit', cluster);
export const auditLogFile = (paths: LabPaths, cluster: LabClusterName) =>
  path.join(auditLogDir(paths, cluster), 'audit.log');

/** Writes the policy and the log directory; returns the kube-apiserver flags. */
export function prepareAudit(paths: LabPaths, cluster: LabClusterName): string[] {
  fs.mkdirSync(auditLogDir(paths, cluster), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(auditPolicyFile(paths)), { recursive: true });
  fs.writeFileSync(auditPolicyFile(paths), stringify(auditPolicy()));
  return auditFlags(paths, cluster);
}

export function auditFlags(paths: LabPaths, cluster: LabClusterName): string[] {
  return [
    `--audit-policy-file=${auditPolicyFile(paths)}`,
    `--audit-log-path=${auditLogFile(paths, cluster)}`,
    '--audit-log-format=json',
    `--audit-log-maxsize=${AUDIT_LOG_MAX_SIZE_MB}`,
    `--audit-log-maxbackup=${AUDIT_LOG_MAX_BACKUPS}`,
    // blocking (the default, stated): no event is dropped, so the count is exact; a lab disk is fast
    '--audit-log-mode=blocking',
  ];
}
