// Cluster access: every helper takes the cluster as its first argument.
export * from './errors.js';
export * from './handle.js';
export * from './identity.js';
export * from './identity-spec.js';
export * from './kubeconfig.js';
export * from './objects.js';
export * from './secrets.js';
export * from './exec.js';
export * from './wait.js';
export * from './rollout.js';
export { registerSecretsInBody } from './http.js';
