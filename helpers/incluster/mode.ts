// Whether this run is in in-cluster mode (PV_MODE=in-cluster, deploy/README.md): its own module, so
// helpers/tunnel can ask without loading the in-cluster transport (./direct.ts) in every run.
export const PV_MODE_IN_CLUSTER = 'in-cluster';

export function inClusterMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PV_MODE === PV_MODE_IN_CLUSTER;
}
