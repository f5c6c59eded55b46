import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterAccessError, createClusterHandle, kubeconfigFiles } from '../../../helpers/cluster/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kc-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(
  file: string,
  contexts: string[],
  current = contexts[0],
  server = 'https://127.0.0.1:6443',
) {
  const y = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${current}`,
    'clusters:',
    ...contexts.flatMap((c) => [
      `- name: ${c}`,
      '  cluster:',
      `    server: ${server}`,
      '    insecure-skip-tls-verify: true',
    ]),
    'users:',
    ...contexts.flatMap((c) => [`- name: ${c}`, '  user:', '    token: t0ken-value']),
    'contexts:',
    ...contexts.flatMap((c) => [`- name: ${c}`, '  context:', `    cluster: ${c}`, `    user: ${c}`]),
  ].join('\n');
  const p = path.join(dir, file);
  fs.writeFileSync(p, y);
  return p;
}

function accessError(fn: () => unknown): ClusterAccessError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ClusterAccessError);
    return e as ClusterAccessError;
  }
  throw new Error('expected a ClusterAccessError');
}

describe('kubeconfig loading', () => {
  it('selects the named context, not the current-context', () => {
    const p = kubeconfig('two.yaml', ['lab-infra', 'lab-apps'], 'lab-infra');
    const c = createClusterHandle({ name: 'apps', context: 'lab-apps', kubeconfig: p });
    expect(c.kc.getCurrentContext()).toBe('lab-apps');
    expect(c.kc.getContexts().map((x) => x.name)).toEqual(['lab-apps']);
    expect(c.server).toBe('https://127.0.0.1:6443');
  });

  it('missing file: names the file and the context', () => {
    const missing = path.join(dir, 'nope.yaml');
    const e = accessError(() =>
      createClusterHandle({ name: 'infra', context: 'lab-infra', kubeconfig: missing }),
    );
    expect(e.code).toBe('KUBECONFIG_MISSING');
    expect(e.message).toContain(missing);
    expect(e.message).toContain('lab-infra');
    expect(e.message).toContain('cluster "infra"');
  });

  it('missing context: names file, context and the available contexts', () => {
    const p = kubeconfig('one.yaml', ['lab-infra', 'other']);
    const e = accessError(() => createClusterHandle({ name: 'apps', context: 'lab-apps', kubeconfig: p }));
    expect(e.code).toBe('CONTEXT_MISSING');
    expect(e.message).toContain(p);
    expect(e.message).toContain('"lab-apps"');
    expect(e.message).toContain('available contexts: lab-infra, other');
  });

  it('garbled YAML: names the file', () => {
    const p = path.join(dir, 'garbled.yaml');
    fs.writeFileSync(p, 'clusters: [ {name: x\n  : : :\n');
    const e = accessError(() => createClusterHandle({ name: 'infra', context: 'lab-infra', kubeconfig: p }));
    expect(e.code).toBe('KUBECONFIG_INVALID');
    expect(e.message).toContain(p);
  });

  it('a context pointing at an undefined cluster is rejected', () => {
    const p = path.join(dir, 'dangling.yaml');
    fs.writeFileSync(
      p,
      'apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: c\n  context: {cluster: gone, user: u}\n',
    );
    const e = accessError(() => createClusterHandle({ name: 'infra', context: 'c', kubeconfig: p }));
    expect(e.code).toBe('KUBECONFIG_INVALID');
    expect(e.message).toContain('cluster "gone"');
  });

  it('KUBECONFIG list: merges like kubectl (first definition wins, missing entries skipped)', () => {
    const a = kubeconfig('a.yaml', ['lab-infra'], 'lab-infra', 'https://127.0.0.1:1111');
    const b = kubeconfig('b.yaml', ['lab-infra', 'lab-apps'], 'lab-apps', 'https://127.0.0.1:2222');
    const env = { KUBECONFIG: [path.join(dir, 'absent.yaml'), a, b].join(path.delimiter), HOME: dir };
    expect(kubeconfigFiles({ env })).toHaveLength(3);
    const infra = createClusterHandle({ name: 'infra', context: 'lab-infra', env });
    expect(infra.server).toBe('https://127.0.0.1:1111');
    expect(infra.kubeconfigFiles).toEqual([a, b]);
    const apps = createClusterHandle({ name: 'apps', context: 'lab-apps', env });
    expect(apps.server).toBe('https://127.0.0.1:2222');
  });

  it('no KUBECONFIG: ~/.kube/config', () => {
    expect(kubeconfigFiles({ env: { HOME: '/home/x' } })).toEqual(['/home/x/.kube/config']);
  });
});
