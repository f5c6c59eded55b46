/** Helm values as flat dot paths, and the cross-cluster diff of the TECH-007 test. */

export type Flat = Record<string, unknown>;

/** Flatten nested objects to `a.b.c` keys; arrays and scalars are leaves (compared as JSON). */
export function flatten(value: unknown, prefix = '', out: Flat = {}): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = {};
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

/** Read a dot path (`cluster.name`) from nested values; undefined when absent. */
export function valueAt(values: unknown, path: string): unknown {
  let cur: unknown = values;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export interface ValuesDifference {
  key: string;
  left: unknown;
  right: unknown;
}

/**
 * Keys whose values differ between two values trees, ignoring `ignore` paths (a listed path also
 * ignores everything under it). Absent on one side counts as a difference.
 */
export function diffValues(left: unknown, right: unknown, ignore: readonly string[]): ValuesDifference[] {
  const l = flatten(left);
  const r = flatten(right);
  const ignored = (k: string) => ignore.some((i) => k === i || k.startsWith(`${i}.`));
  const keys = [...new Set([...Object.keys(l), ...Object.keys(r)])].sort();
  const out: ValuesDifference[] = [];
  for (const key of keys) {
    if (ignored(key)) continue;
    if (JSON.stringify(l[key]) !== JSON.stringify(r[key])) out.push({ key, left: l[key], right: r[key] });
  }
  return out;
}
