// OBS-ALERT-001 (AC11.16): the firing ALERTS series against the facts, and the lab's rules;
// OBS-VM-005 (AC5.3): every scrape target up, each expected job scraped.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { factsDefaults } from '../../../helpers/config/index.js';
import { alertProblems, scrapeProblems, type PromSample } from '../../../helpers/probes/victoria.js';
import { alertRules } from '../../../lab/services/observability.js';

const alerts = factsDefaults('infra').observability.alerts;
const firing = (alertname: string, labels: Record<string, string> = {}): PromSample => ({
  metric: { __name__: 'ALERTS', alertname, alertstate: 'firing', ...labels },
  value: [1_780_000_000, '1'],
});

describe('OBS-ALERT-001 alerts firing', () => {
  it('passes with only the Watchdog (and the other expected alerts) firing', () => {
    expect(alertProblems([firing('Watchdog'), firing('InfoInhibitor')], alerts)).toEqual([]);
  });
  it('OBS-ALERT-001 fails naming each unexpected firing alert with its job, namespace and pod', () => {
    expect(
      alertProblems(
        [
          firing('Watchdog'),
          firing('TargetDown', {
            cluster: 'apps',
            namespace: 'dragonfly-system',
            job: 'dragonfly',
            pod: 'dragonfly-2',
            instance: '127.0.0.1:1',
            severity: 'warning',
          }),
        ],
        alerts,
      ),
    ).toEqual([
      'firing: TargetDown{cluster="apps", namespace="dragonfly-system", job="dragonfly", pod="dragonfly-2", instance="127.0.0.1:1", severity="warning"}',
    ]);
  });
  it('OBS-ALERT-001 fails when no Watchdog fires: an empty ALERTS answer proves nothing', () => {
    expect(alertProblems([], alerts)).toEqual([
      'Watchdog not firing: no sign that alerting rules are evaluated and ALERTS written back (vmalert -remoteWrite.url)',
    ]);
  });
  it('the lab’s vmalert rules: Watchdog always, TargetDown over up == 0', () => {
    const doc = YAML.parse(alertRules()) as { groups: { rules: { alert: string; expr: string }[] }[] };
    expect(doc.groups[0]!.rules.map((r) => [r.alert, r.expr])).toEqual([
      ['Watchdog', 'vector(1)'],
      ['TargetDown', 'up == 0'],
    ]);
  });
});

const up = (job: string, v: string, labels: Record<string, string> = {}): PromSample => ({
  metric: { __name__: 'up', job, ...labels },
  value: [1_780_000_000, v],
});

describe('OBS-VM-005 scrape targets', () => {
  it('passes with every target up and every expected job scraped', () => {
    expect(scrapeProblems([up('dragonfly', '1'), up('victoria-metrics', '1')], ['dragonfly'])).toEqual([]);
  });
  it('OBS-VM-005 fails naming the target down with its labels, and an expected job nobody scrapes', () => {
    expect(
      scrapeProblems(
        [
          up('dragonfly', '1', { pod: 'dragonfly-0' }),
          up('dragonfly', '0', { cluster: 'apps', pod: 'dragonfly-2' }),
        ],
        ['dragonfly', 'cilium-agent'],
      ),
    ).toEqual([
      'target down: up{cluster="apps", job="dragonfly", pod="dragonfly-2"} = 0',
      'job cilium-agent: no target scraped',
    ]);
    expect(scrapeProblems([], [])).toEqual(['no up series at all: nothing is scraped']);
  });
});
