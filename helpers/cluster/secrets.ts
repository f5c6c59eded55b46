// The one way checks read Secret values: every value of the Secret is registered for redaction
// (raw and decoded) before the caller sees any of it.
import { ApiException } from '@kubernetes/client-node';
import { isSecretKey, registerSecret, registerSecretData } from '../evidence/redact.js';
import { where, type ClusterHandle } from './handle.js';

export class SecretReadError extends Error {
  override name = 'SecretReadError';
}

export async function readSecretValue(
  cluster: ClusterHandle,
  namespace: string,
  name: string,
  key: string,
): Promise<string> {
  let secret;
  try {
    secret = await cluster.core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) {
      throw new SecretReadError(`${where(cluster)}: Secret ${namespace}/${name} does not exist`);
    }
    throw err;
  }
  registerSecretData(secret.data, secret.stringData);
  const raw = secret.data?.[key];
  if (raw === undefined) {
    const keys = Object.keys(secret.data ?? {});
    throw new SecretReadError(
      `${where(cluster)}: Secret ${namespace}/${name} has no key "${key}" (keys: ${keys.length ? keys.join(', ') : 'none'})`,
    );
  }
  const value = Buffer.from(raw, 'base64').toString('utf8');
  if (isSecretKey(key)) registerSecret(value);
  return value;
}
