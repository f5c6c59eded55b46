export { definePlatform, platformSchema, type PlatformConfigInput } from './schema.js';
export {
  ConfigError,
  configPath,
  loadEnvironment,
  loadPlatformConfig,
  resolveEnvironment,
  selectEnv,
  REPO_ROOT,
  type ResolvedCluster,
  type ResolvedEnvironment,
  type ResolvedIdentity,
} from './load.js';
export {
  factsSchema,
  factsOverridesSchema,
  type DeepPartial,
  type Facts,
  type FactsOverrides,
} from './facts.js';
export { factsDefaults } from './reference-facts.js';
