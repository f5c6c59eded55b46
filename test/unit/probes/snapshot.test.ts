import { describe, expect, it } from 'vitest';
import { snapshotProblem } from '../../../helpers/probes/snapshot.js';

describe('VolumeSnapshot readiness (STO-SNAP-001)', () => {
  it('ready with a bound content is no problem', () => {
    expect(snapshotProblem('ns/s', { readyToUse: true, boundVolumeSnapshotContentName: 'c' }, 1000)).toBe('');
  });
  it('STO-SNAP-001 fails naming the controller error, no status, or readyToUse without a content', () => {
    expect(
      snapshotProblem('ns/s', { readyToUse: false, error: { message: 'class "x" not found' } }, 1000),
    ).toBe('VolumeSnapshot ns/s not readyToUse within 1000 ms: class "x" not found');
    expect(snapshotProblem('ns/s', undefined, 1000)).toBe(
      'VolumeSnapshot ns/s not readyToUse within 1000 ms: no status (no snapshot-controller answered)',
    );
    expect(snapshotProblem('ns/s', { readyToUse: true }, 1000)).toMatch(
      /not readyToUse within 1000 ms: status/,
    );
  });
});
