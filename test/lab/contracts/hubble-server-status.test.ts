/**
 * The Hubble relay's ServerStatusResponse as Cilium's generated Go types encode it (the lab's
 * cilium-status program, `relay-status`) for each shape of test/contracts/hubble-server-status, read
 * by NET-HUBBLE-001's own decoder and verdict; and the lab's relay answering through the same
 * encoder over gRPC. Needs `pnpm lab build` (not a running lab).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceArtifacts } from '../../../lab/build/services/artifacts.js';
import { labPaths } from '../../../lab/core/paths.js';
import { encodeServerStatus, startHubbleRelay, type RelayCounters } from '../../../lab/sim/hubble-relay.js';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { grpcUnaryEmpty } from '../../../helpers/reads/grpc.js';
import { decodeServerStatus, serverStatusProblems } from '../../../helpers/probes/hubble.js';

const { nodes, shapes } = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'test', 'contracts', 'hubble-server-status', 'shapes.json'), 'utf8'),
) as { nodes: number; shapes: { name: string; counters: RelayCounters; expect: string }[] };
const bin = serviceArtifacts(labPaths().cache).ciliumStatus.binary;

describe("Hubble ServerStatus encoded by upstream's types: NET-HUBBLE-001 on every contract shape", () => {
  it('lists a healthy and a failing shape', () => {
    expect(shapes.some((s) => s.expect === 'pass')).toBe(true);
    expect(shapes.some((s) => s.expect !== 'pass')).toBe(true);
  });

  it.each(shapes.map((s) => [s.name, s] as const))('%s', async (_name, shape) => {
    const status = decodeServerStatus(await encodeServerStatus(bin, shape.counters));
    const c = shape.counters;
    expect(status).toMatchObject({
      numFlows: c.numFlows,
      unavailableNodes: c.unavailableNodes ?? [],
      version: c.version,
    });
    // a count left out is absent from the message, a count of 0 is there (an empty UInt32Value)
    expect([status.numConnectedNodes, status.numUnavailableNodes]).toEqual([
      c.numConnectedNodes,
      c.numUnavailableNodes,
    ]);
    const problems = serverStatusProblems(status, nodes).join('; ');
    if (shape.expect === 'pass') expect(problems).toBe('');
    else expect(problems).toContain(shape.expect);
  });

  it("the lab's relay answers ServerStatus through that encoder and refuses other methods", async () => {
    const server = await startHubbleRelay(
      0,
      () => 3,
      (c) => encodeServerStatus(bin, c),
    );
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await grpcUnaryEmpty('127.0.0.1', port, '/observer.Observer/ServerStatus', 5_000);
      expect([r.httpStatus, r.grpcStatus]).toEqual([200, '0']);
      const s = decodeServerStatus(r.message);
      expect(serverStatusProblems(s, 3)).toEqual([]);
      expect(s).toMatchObject({ numConnectedNodes: 3, numUnavailableNodes: 0 });
      const bad = await grpcUnaryEmpty('127.0.0.1', port, '/observer.Observer/Nope', 5_000);
      expect(bad.grpcStatus).toBe('12');
    } finally {
      server.close();
    }
  });
});
