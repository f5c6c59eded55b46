// In-cluster mode (PV_MODE=in-cluster): ServiceAccount credentials, direct Service access, the
// lab's address map and loopback guard. See deploy/README.md.
export * from './guard.js';
export * from './sa-kubeconfig.js';
export * from './address-map.js';
export * from './direct.js';
export { buildLabAddressMap } from './lab-map.js';
