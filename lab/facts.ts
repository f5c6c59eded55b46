/**
 * What the local lab differs in from the reference platform, as facts overrides for the `lab`
 * environment of platform.config.ts (`facts: labFacts()`, the same for both clusters; checked there
 * against the facts schema, `clusters.<name>.facts`). The lab keeps the reference CIDRs as data; its
 * CNI is simulated, so NetworkPolicy is not enforced there and the denied-namespace test is skipped
 * instead of being counted as passed.
 */
export function labFacts() {
  return { cilium: { enforcesNetworkPolicy: false } };
}
