// How many vitest workers a run of the cluster projects gets unless --maxWorkers says otherwise.
// vitest's default is one per core minus one: 1 on a 2-core CI runner, so the clusters ran one after
// the other. Checks mostly wait on the cluster, not the CPU, and with `isolate: false` a worker only
// ever serves one project (cluster), so every selected cluster gets at least one worker of its own.
import os from 'node:os';

export function defaultMaxWorkers(clusterCount: number, cores: number = os.availableParallelism()): number {
  return Math.max(cores - 1, clusterCount, 2);
}
