export * from './resolve.js';
export {
  openTunnel,
  closeAllTunnels,
  openTunnelCount,
  type Tunnel,
  type TunnelOptions,
  type TunnelStats,
} from './tunnel.js';
export { openPortForwardStream, type PortForwardStream } from './stream.js';
