import { CustomObjectsApi } from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { Scenario } from './types.js';
import { unlessGone } from '../sim/kube.js';

// The VictoriaMetrics operator converts the PrometheusRules its VMAlert selects; this one arrives
// after vmalert read its rules (lab/services/observability.ts converts the declared ones at start),
// the way a rule outside the VMAlert's ruleSelector, or one the operator failed to convert, stays
// unloaded while the object itself looks fine.
const RULE = {
  group: 'monitoring.coreos.com',
  version: 'v1',
  plural: 'prometheusrules',
  namespace: 'observability',
  name: 'lab-unloaded',
};

const rules = (ctx: LabContext) => ctx.clusters.infra.kc.makeApiClient(CustomObjectsApi);

/** infra: a PrometheusRule that vmalert never loads. */
export const prometheusRuleNotLoaded: Scenario = {
  name: 'prometheusrule-not-loaded',
  summary: `infra: PrometheusRule ${RULE.namespace}/${RULE.name} (group lab-unloaded, alert LabRuleNotLoaded) created after vmalert loaded its rules`,
  expect:
    'OBS-VM-006 fails naming the PrometheusRule, its group and alert "not loaded by vmalert"; the other observability checks pass',
  faults: {},
  apply: async (ctx) => {
    await rules(ctx).createNamespacedCustomObject({
      ...RULE,
      body: {
        apiVersion: `${RULE.group}/${RULE.version}`,
        kind: 'PrometheusRule',
        metadata: { name: RULE.name, namespace: RULE.namespace },
        spec: {
          groups: [
            {
              name: 'lab-unloaded',
              rules: [{ alert: 'LabRuleNotLoaded', expr: 'vector(0)', labels: { severity: 'info' } }],
            },
          ],
        },
      },
    });
  },
  revert: async (ctx) => {
    await rules(ctx).deleteNamespacedCustomObject(RULE).catch(unlessGone);
  },
};
