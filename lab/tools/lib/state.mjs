/* global process */
// Shared by the exec shims: read the simulated world the lab wrote for the active scenario.
// KWOK runs `kubectl exec` commands on this machine with PV_LAB_CLUSTER (and, for per-pod routes,
// PV_LAB_POD / PV_LAB_NODE) plus PV_LAB_SIM_STATE pointing at .lab/sim/state.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function fail(tool, message, code = 1) {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exit(code);
}

export function loadState(tool) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file =
    process.env.PV_LAB_SIM_STATE || path.resolve(here, '..', '..', '..', '.lab', 'sim', 'state.json');
  const cluster = process.env.PV_LAB_CLUSTER;
  if (!cluster) fail(tool, 'PV_LAB_CLUSTER is not set (this shim answers inside lab pods only)', 2);
  let state;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(tool, `cannot read the lab's simulated state ${file}: ${e.message} (is the lab up?)`, 2);
  }
  const c = state.clusters?.[cluster];
  if (!c) fail(tool, `no simulated state for cluster '${cluster}' in ${file}`, 2);
  return { scenario: state.scenario, cluster, tools: state.tools ?? {}, ...c };
}
