// The lab's network rule as code: in the lab every address we dial must be on 127.0.0.0/8.
// Service ClusterIPs and pod IPs there are 10.x *data*; dialing one would leave the machine.
import net from 'node:net';
import { setting } from '../config/settings.js';

export class AddressGuardError extends Error {
  override name = 'AddressGuardError';
}

/** True when this run targets the lab (PV_LAB=1, or the selected environment is named lab*). */
export function labMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const name = setting('PV_ENV', env) ?? '';
  return setting('PV_LAB', env) || /^lab(\b|[-_])/.test(name) || name === 'lab';
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
}

/** Refuses any non-loopback address (IP or name) in lab mode; a no-op elsewhere. */
export function guardAddress(host: string, what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (labMode(env) && !isLoopback(host)) {
    throw new AddressGuardError(
      `${what}: refusing to dial ${host} in the lab (only 127.0.0.0/8 may be dialed; Service and pod IPs there are simulated data). Give the in-cluster address map an entry for it (PV_INCLUSTER_ADDRESS_MAP).`,
    );
  }
}
