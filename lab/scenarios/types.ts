/**
 * A scenario: a named state of the lab. `faults` drive the simulated world (lab/sim), `services`
 * the real processes (lab/services); `apply` does what neither expresses (e.g. delete a pod).
 * `expect` says, in words, which checks it should make fail and which must keep passing.
 */
import type { LabContext } from '../core/context.js';
import type { ServiceFault } from '../services/index.js';
import type { Faults } from '../sim/faults.js';

export interface Scenario {
  name: string;
  summary: string;
  /** which checks fail (and why) and which must still pass */
  expect: string;
  faults: Faults;
  services?: {
    /** catalogue service names stopped (e.g. 'pgbouncer-harbor', 'kafka-2', 'coredns-infra') */
    stopped?: string[];
    /** lab/services fault switches turned on */
    faults?: ServiceFault[];
  };
  /** extra one-shot action after the world is synced */
  apply?: (ctx: LabContext) => Promise<void>;
  /**
   * Undo what `apply` created outside the declared world (objects, repositories). Idempotent: run
   * whenever another scenario is applied, whatever the recorded one, so an interrupted run is undone.
   */
  revert?: (ctx: LabContext) => Promise<void>;
}
