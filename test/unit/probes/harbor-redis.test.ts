// REG-HARBOR-004's reading of harbor-core's Redis URL (AC9.5): what points at the Dragonfly Service,
// what does not, and that a password in the URL is never shown.
import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { redact } from '../../../helpers/evidence/redact.js';
import { coreRedisUrl, redisUrlNotDragonfly, shownRedisUrl } from '../../../helpers/probes/harbor.js';

const d = { service: 'dragonfly', namespace: 'dragonfly-system', port: 6379 };

describe('redisUrlNotDragonfly', () => {
  it.each([
    'redis://:s3cret@dragonfly.dragonfly-system:6379/0?idle_timeout_seconds=30',
    'redis://dragonfly.dragonfly-system.svc:6379/0',
    'rediss://user:pw@dragonfly.dragonfly-system.svc.cluster.local:6379/0',
    'redis://dragonfly.dragonfly-system.svc.example.internal./0',
    'redis://dragonfly.dragonfly-system/0',
  ])('accepts the Service by any name that resolves to it: %s', (url) => {
    expect(redisUrlNotDragonfly(url, d, 'harbor')).toEqual([]);
  });

  it("names the chart's internal Redis, another port, a sentinel URL, a missing or garbled value", () => {
    expect(redisUrlNotDragonfly('redis://harbor-redis:6379/0', d, 'harbor')).toEqual([
      'host is "harbor-redis", expected the Dragonfly Service dragonfly.dragonfly-system',
    ]);
    expect(redisUrlNotDragonfly('redis://dragonfly.dragonfly-system:6380/0', d, 'harbor')).toEqual([
      'port is 6380, expected 6379',
    ]);
    expect(
      redisUrlNotDragonfly('redis+sentinel://dragonfly.dragonfly-system:26379/mymaster/0', d, 'harbor'),
    ).toEqual([
      'scheme is "redis+sentinel", expected redis or rediss (Dragonfly\'s Service)',
      'port is 26379, expected 6379',
    ]);
    expect(redisUrlNotDragonfly(undefined, d, 'harbor')).toEqual(['no _REDIS_URL_CORE (or _REDIS_URL) set']);
    // host:port without a scheme parses as the scheme "dragonfly:"
    expect(redisUrlNotDragonfly('dragonfly:6379', d, 'harbor')).toContainEqual(
      expect.stringMatching(/^scheme is "dragonfly"/),
    );
    expect(redisUrlNotDragonfly('not a url', d, 'harbor')).toEqual(['the Redis URL does not parse as a URL']);
  });

  it("a bare service name counts only from the Service's own namespace", () => {
    expect(redisUrlNotDragonfly('redis://dragonfly:6379/0', d, 'harbor')).toEqual([
      'host is "dragonfly", expected the Dragonfly Service dragonfly.dragonfly-system',
    ]);
    expect(redisUrlNotDragonfly('redis://dragonfly:6379/0', d, 'dragonfly-system')).toEqual([]);
  });
});

describe('shownRedisUrl', () => {
  it('masks the password and shows nothing of a value that is not a URL', () => {
    expect(shownRedisUrl('redis://:s3cret@dragonfly.dragonfly-system:6379/0')).toBe(
      'redis://:***@dragonfly.dragonfly-system:6379/0',
    );
    expect(shownRedisUrl('redis://default:s3cret@h:6379/0')).not.toContain('s3cret');
    expect(shownRedisUrl('s3cret-not-a-url')).toBe('(not a URL)');
  });
});

describe('coreRedisUrl', () => {
  const h = { namespace: 'harbor', coreConfigMap: 'harbor-core' } as Parameters<typeof coreRedisUrl>[1];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cluster = (cm: Record<string, string>, secret?: Record<string, string>) =>
    ({
      name: 'apps',
      context: 'lab-apps',
      server: 'https://127.0.0.1:1',
      core: {
        readNamespacedConfigMap: async () => ({ data: cm }),
        readNamespacedSecret: async () => {
          if (!secret) throw new ApiException(404, 'Not Found', {}, {});
          return { data: Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, b64(v)])) };
        },
      },
    }) as unknown as Parameters<typeof coreRedisUrl>[0];

  it('reads the ConfigMap first, then the Secret; the password is redacted wherever it appears', async () => {
    const fromCm = await coreRedisUrl(cluster({ _REDIS_URL_CORE: 'redis://:cmPassw0rd1@d.ns:6379/0' }), h);
    expect(fromCm.from).toBe('ConfigMap harbor/harbor-core _REDIS_URL_CORE');
    expect(redact('seen cmPassw0rd1')).not.toContain('cmPassw0rd1');
    const fromSecret = await coreRedisUrl(
      cluster({ CORE_URL: 'http://harbor-core' }, { _REDIS_URL: 'redis://:s3cretPassw0rd@d.ns:6379/0' }),
      h,
    );
    expect(fromSecret).toEqual({
      from: 'Secret harbor/harbor-core _REDIS_URL',
      url: 'redis://:s3cretPassw0rd@d.ns:6379/0',
    });
    expect(redact('seen s3cretPassw0rd')).not.toContain('s3cretPassw0rd');
  });

  it('names both places when neither holds the URL, and never reads a missing Secret as empty', async () => {
    const none = await coreRedisUrl(cluster({}), h);
    expect(none.url).toBeUndefined();
    expect(none.from).toMatch(
      /ConfigMap harbor\/harbor-core \(no _REDIS_URL_CORE\/_REDIS_URL\) and .*Secret harbor\/harbor-core does not exist/,
    );
    const denied = {
      ...cluster({}),
      core: {
        readNamespacedConfigMap: async () => ({ data: {} }),
        readNamespacedSecret: async () => {
          throw new ApiException(403, 'Forbidden', {}, {});
        },
      },
    } as unknown as Parameters<typeof coreRedisUrl>[0];
    await expect(coreRedisUrl(denied, h)).rejects.toThrow();
  });
});
