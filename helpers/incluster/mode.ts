// Whether this run is in in-cluster mode (PV_MODE=in-cluster, deploy/README.md): its own module, so
// helpers/tunnel can ask without loading the in-cluster transport (./direct.ts) in every run.
import { setting } from '../config/settings.js';

export const PV_MODE_IN_CLUSTER = 'in-cluster';

export function inClusterMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return setting('PV_MODE', env) === PV_MODE_IN_CLUSTER;
}
