// OBS-VM-006 (AC5.4 "PrometheusRules loaded"): every rule a PrometheusRule or VMRule declares must be
// evaluated by vmalert, without errors; a rule missing or erroring is named with its object.
import { describe, expect, it } from 'vitest';
import { declaredRules, rulesNotLoaded, type PromSample } from '../../../helpers/probes/victoria.js';
import { declaredRuleFiles } from '../../../lab/services/observability.js';

const objects = [
  {
    kind: 'PrometheusRule',
    metadata: { namespace: 'rook-ceph', name: 'ceph-alerts' },
    spec: {
      groups: [{ name: 'ceph', rules: [{ alert: 'CephHealthWarning' }, { record: 'ceph:osd_up:sum' }] }],
    },
  },
  { kind: 'VMRule', metadata: { namespace: 'observability', name: 'platform' }, spec: { groups: [] } },
];
const sample = (metric: Record<string, string>, v = '1'): PromSample => ({ metric, value: [0, v] });
const evaluated = [
  sample({ group: 'ceph', alertname: 'CephHealthWarning' }),
  sample({ group: 'ceph', recording: 'ceph:osd_up:sum' }),
];

describe('OBS-VM-006: declared rules against what vmalert evaluates', () => {
  it('reads alerting and recording rules of every object', () => {
    expect(declaredRules(objects)).toEqual([
      {
        object: 'PrometheusRule rook-ceph/ceph-alerts',
        group: 'ceph',
        type: 'alert',
        name: 'CephHealthWarning',
      },
      {
        object: 'PrometheusRule rook-ceph/ceph-alerts',
        group: 'ceph',
        type: 'record',
        name: 'ceph:osd_up:sum',
      },
    ]);
  });

  it('passes when every declared rule is evaluated without errors', () => {
    expect(rulesNotLoaded(declaredRules(objects), evaluated, [])).toEqual([]);
  });

  it('OBS-VM-006 fails naming the object, group and rule that vmalert did not load', () => {
    const problems = rulesNotLoaded(declaredRules(objects), evaluated.slice(1), []);
    expect(problems).toEqual([
      'PrometheusRule rook-ceph/ceph-alerts: group ceph, alert CephHealthWarning: not loaded by vmalert (no evaluation recorded)',
    ]);
    // a rule of the same name in another group is not the declared one
    expect(
      rulesNotLoaded(
        declaredRules(objects),
        [sample({ group: 'other', alertname: 'CephHealthWarning' }), evaluated[1]!],
        [],
      ),
    ).toHaveLength(1);
  });

  it('OBS-VM-006 fails naming a rule whose evaluations error', () => {
    const problems = rulesNotLoaded(declaredRules(objects), evaluated, [
      sample({ group: 'ceph', recording: 'ceph:osd_up:sum' }, '3'),
    ]);
    expect(problems).toEqual([
      'PrometheusRule rook-ceph/ceph-alerts: group ceph, recording rule ceph:osd_up:sum: evaluation errors (3 in the window)',
    ]);
  });
});

describe("the lab's rule conversion (lab/services/observability.ts)", () => {
  it('writes one vmalert rule file per declared PrometheusRule/VMRule of the infra fixtures', () => {
    const files = declaredRuleFiles();
    expect(files.map((f) => f.file)).toContain('rook-ceph-ceph-alerts.yaml');
    expect(files.find((f) => f.file === 'rook-ceph-ceph-alerts.yaml')!.text).toMatch(
      /name: ceph[\s\S]*CephHealthWarning/,
    );
  });
});
