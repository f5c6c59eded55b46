import { describe, expect, it } from 'vitest';
import {
  WaitTimeoutError,
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  exitCodeFromStatus,
  parseApiPath,
  registerSecretsInBody,
  statefulSetRolloutStatus,
  waitFor,
} from '../../../helpers/cluster/index.js';
import { clearSecrets, redact } from '../../../helpers/evidence/redact.js';

describe('exec status channel', () => {
  it('Success is exit code 0', () => {
    expect(exitCodeFromStatus({ metadata: {}, status: 'Success' } as never)).toBe(0);
  });
  it('NonZeroExitCode carries the ExitCode cause', () => {
    const st = {
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    expect(exitCodeFromStatus(st)).toBe(3);
  });
  it('an exit error wrapped by the runtime (KWOK local exec) still yields the exit code', () => {
    const msg =
      'Internal error occurred: Internal error occurred: error executing command in container: cmd wait: sh -c echo hi; exit 3: exit status 3';
    expect(
      exitCodeFromStatus({
        status: 'Failure',
        message: msg,
        reason: 'InternalError',
        details: { causes: [{ message: msg.replace('Internal error occurred: ', '') }] },
      }),
    ).toBe(3);
    // a failure to start the command is not an exit code
    expect(() =>
      exitCodeFromStatus({
        status: 'Failure',
        reason: 'InternalError',
        message:
          'Internal error occurred: error executing command in container: exec: "nope": executable file not found in $PATH',
      }),
    ).toThrow(/executable file not found/);
  });
  it('other failures are errors, not exit codes', () => {
    expect(() =>
      exitCodeFromStatus({
        status: 'Failure',
        reason: 'InternalError',
        message: 'container not found ("x")',
      }),
    ).toThrow('container not found ("x")');
    expect(() =>
      exitCodeFromStatus({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [] } }),
    ).toThrow(/without an ExitCode cause/);
  });
});

describe('waitFor', () => {
  it('returns the value as soon as the probe is done', async () => {
    let n = 0;
    const v = await waitFor(
      'three probes',
      () => (++n >= 3 ? { done: true, value: n } : { done: false, seen: n }),
      {
        timeoutMs: 2000,
        intervalMs: 10,
      },
    );
    expect(v).toBe(3);
  });
  it('times out saying what was awaited and what was last seen', async () => {
    const t0 = Date.now();
    const err = await waitFor('pod x Ready', () => ({ done: false, seen: { phase: 'Pending' } }), {
      timeoutMs: 300,
      intervalMs: 50,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(
      /timed out after 300 ms waiting for pod x Ready \(\d+ checks\); last seen: \{"phase":"Pending"\}/,
    );
    expect((err as WaitTimeoutError).lastSeen).toEqual({ phase: 'Pending' });
  });
  it('a throwing probe is "not yet" with the error as last seen', async () => {
    const err = await waitFor<never>(
      'the thing',
      () => {
        throw new Error('configmaps "x" not found');
      },
      { timeoutMs: 200, intervalMs: 50 },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toContain('last seen: error: configmaps "x" not found');
  });
  it('a probe that hangs does not outlive the wait', async () => {
    const t0 = Date.now();
    const err = await waitFor('a hung probe', () => new Promise<never>(() => {}), {
      timeoutMs: 300,
      intervalMs: 50,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(WaitTimeoutError);
  });
});

describe('rollout verdicts (kubectl rollout status, stricter where nothing serves)', () => {
  it('deployment', () => {
    const base = { metadata: { name: 'd', generation: 2 }, spec: { replicas: 3 } };
    expect(deploymentRolloutStatus({ ...base, status: { observedGeneration: 1 } }).message).toMatch(
      /spec update to be observed/,
    );
    expect(
      deploymentRolloutStatus({ ...base, status: { observedGeneration: 2, updatedReplicas: 1, replicas: 3 } })
        .message,
    ).toBe('1 out of 3 new replicas have been updated');
    expect(
      deploymentRolloutStatus({
        ...base,
        status: { observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 },
      }).message,
    ).toBe('1 old replicas are pending termination');
    expect(
      deploymentRolloutStatus({
        ...base,
        status: { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 },
      }).message,
    ).toBe('2 of 3 updated replicas are available');
    expect(
      deploymentRolloutStatus({
        ...base,
        status: { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 },
      }).done,
    ).toBe(true);
    expect(() =>
      deploymentRolloutStatus({
        ...base,
        status: {
          observedGeneration: 2,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      }),
    ).toThrow(/progress deadline/);
  });
  it('BOOT-CORE-003 fails on a DaemonSet not rolled out: pods not updated, not ready, on no node', () => {
    const base = {
      metadata: { name: 'cilium', generation: 1 },
      spec: { updateStrategy: { type: 'RollingUpdate' } },
    };
    expect(
      daemonSetRolloutStatus({
        ...base,
        status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 2 },
      }).message,
    ).toBe('2 out of 3 new pods have been updated');
    expect(
      daemonSetRolloutStatus({
        ...base,
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberReady: 3,
          numberAvailable: 3,
        },
      }).done,
    ).toBe(true);
    expect(
      daemonSetRolloutStatus({
        ...base,
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberReady: 2,
        },
      }).message,
    ).toBe('2 of 3 updated pods are ready');
    // checks read any strategy by its counts (waitForRollout refuses OnDelete as kubectl does: lab test)
    expect(
      daemonSetRolloutStatus({
        ...base,
        spec: { updateStrategy: { type: 'OnDelete' } },
        status: { observedGeneration: 1, desiredNumberScheduled: 0 },
      }).message,
    ).toBe('daemon set "cilium" is scheduled on no node');
  });
  it('statefulset', () => {
    const base = { metadata: { name: 'kafka', generation: 1 }, spec: { replicas: 3 } };
    expect(
      statefulSetRolloutStatus({ ...base, status: { observedGeneration: 1, readyReplicas: 2 } }).message,
    ).toBe('2 of 3 pods are ready');
    expect(
      statefulSetRolloutStatus({
        ...base,
        status: {
          observedGeneration: 1,
          readyReplicas: 3,
          currentRevision: 'a',
          updateRevision: 'b',
          updatedReplicas: 1,
        },
      }).done,
    ).toBe(false);
    expect(
      statefulSetRolloutStatus({
        ...base,
        status: { observedGeneration: 1, readyReplicas: 3, currentRevision: 'a', updateRevision: 'a' },
      }).done,
    ).toBe(true);
  });
});

describe('API paths and identity specs', () => {
  it('parses object paths', () => {
    expect(parseApiPath('/api/v1/namespaces/kube-system/pods/coredns-1')).toEqual({
      group: '',
      version: 'v1',
      resource: 'pods',
      namespace: 'kube-system',
      name: 'coredns-1',
      subresource: undefined,
    });
    expect(parseApiPath('/apis/apps/v1/namespaces/x/deployments/d/status')?.subresource).toBe('status');
    expect(parseApiPath('/api/v1/namespaces/flux-system')).toEqual({
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'flux-system',
    });
    expect(parseApiPath('/api/v1/nodes')?.name).toBeUndefined();
    expect(parseApiPath('/version')).toBeUndefined();
  });
});

describe('Secret values in API responses are registered for redaction', () => {
  it('Secret and SecretList bodies', () => {
    clearSecrets();
    const pw = 'hunter2-very-secret';
    const b64 = Buffer.from(pw).toString('base64');
    registerSecretsInBody(JSON.stringify({ kind: 'Secret', apiVersion: 'v1', data: { password: b64 } }));
    expect(redact(`pw is ${pw}`)).not.toContain(pw);
    expect(redact(`b64 is ${b64}`)).not.toContain(b64);
    const other = 'another-secret-value';
    registerSecretsInBody(
      JSON.stringify({ kind: 'SecretList', items: [{ data: { k: Buffer.from(other).toString('base64') } }] }),
    );
    expect(redact(other)).not.toContain(other);
    clearSecrets();
  });
});
