// Run-owned resources: run id, the run namespace, run-owned names, cleanup, sweep of leftovers.
export * from './ids.js';
export * from './cleanup.js';
export * from './namespace.js';
export * from './sweep-owned.js';
