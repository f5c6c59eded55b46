// Reads JUnit XML into CheckResults: our reporter's testcase properties when present, and JUnit of
// other tools (no properties) with the priority taken from a `[P0]`-style marker in the name.
import { qualified } from '../../helpers/trace/catalogue.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  GateInputError,
  type Baseline,
  type CheckResult,
  type Outcome,
  type Priority,
  type PrioritySource,
} from './model.js';

type XmlNode = Record<string, unknown>;

const ARRAYS = new Set(['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped', 'properties']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Numeric character references (&#10; for newlines in message attributes) are decoded only with this.
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

/** `[P0]`, `(P1)` or `@P2` anywhere in a test name (other tools' convention for priority tags). */
const MARKER = /(?:\[(P[012])\]|\((P[012])\)|(?:^|\s)@(P[012])\b)/;
/** A leading check id such as `NET-CILIUM-001` or `BOOT.CORE-E2E-001`. */
const LEADING_ID = /^([A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)+)\s+(.*)$/;

function asArray(v: unknown): XmlNode[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' && x !== null ? (x as XmlNode) : {}));
}

function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function text(node: XmlNode | string | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  const t = node['#text'];
  return typeof t === 'string' ? t : '';
}

/**
 * Properties as a multimap (evidence repeats). The reporter's strict mode (valid against
 * junit-10.xsd) moves testcase properties into <system-out> as `[[PROPERTY|name=value]]` lines and
 * evidence as `[[ATTACHMENT|path]]` (the Jenkins/GitLab attachment convention); both are read.
 */
function properties(node: XmlNode, withSystemOut = false): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const prev = out.get(name) ?? [];
    if (name === 'evidence' && prev.includes(value)) return;
    out.set(name, [...prev, value]);
  };
  if (withSystemOut) {
    const raw = node['system-out'];
    const so = typeof raw === 'string' ? raw : raw && typeof raw === 'object' ? text(raw as XmlNode) : '';
    for (const m of so.matchAll(/^\[\[PROPERTY\|([^=\]]+)=(.*)\]\]\s*$/gm)) add(m[1]!, m[2]!);
    for (const m of so.matchAll(/^\[\[ATTACHMENT\|(.+)\]\]\s*$/gm)) add('evidence', m[1]!);
  }
  for (const props of asArray(node['properties'])) {
    for (const p of asArray(props['property'])) {
      const name = attr(p, 'name');
      if (!name) continue;
      add(name, attr(p, 'value') ?? text(p));
    }
  }
  return out;
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Metrics where more is better; any other bare target is an upper bound (latencies, durations). */
const HIGHER_IS_BETTER = /(throughput|per_s(ec)?$|_ops|rps|qps|_rate$|availability|success)/;

function parseTarget(raw: string, metric: string): { op: Baseline['op']; target: number } | undefined {
  const m = /^\s*(<=|>=|<|>)?\s*(-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?)\s*$/.exec(raw);
  if (!m) return undefined;
  const op = (m[1] as Baseline['op'] | undefined) ?? (HIGHER_IS_BETTER.test(metric) ? '>=' : '<=');
  return { op, target: Number(m[2]) };
}

function baselines(props: Map<string, string[]>, file: string, id: string): Baseline[] {
  const out: Baseline[] = [];
  const names = new Set<string>();
  for (const name of props.keys()) {
    if (name.startsWith('metric.')) names.add(name.slice('metric.'.length));
    if (name.startsWith('target.')) names.add(name.slice('target.'.length));
  }
  for (const metric of names) {
    const rawValue = props.get(`metric.${metric}`)?.[0];
    const value = rawValue === undefined ? undefined : Number(rawValue);
    if (value !== undefined && !Number.isFinite(value)) {
      throw new GateInputError(
        `${file}: check ${id}: property metric.${metric}="${rawValue}" is not a number`,
      );
    }
    const rawTarget = props.get(`target.${metric}`)?.[0];
    if (rawTarget === undefined) {
      out.push({ metric, value, op: '<=' });
      continue;
    }
    const t = parseTarget(rawTarget, metric);
    if (!t) {
      throw new GateInputError(
        `${file}: check ${id}: property target.${metric}="${rawTarget}" is not a number (optionally prefixed by <, <=, >, >=)`,
      );
    }
    // A target without a measurement: the check failed before it could measure.
    const met =
      value === undefined
        ? undefined
        : t.op === '<'
          ? value < t.target
          : t.op === '<='
            ? value <= t.target
            : t.op === '>'
              ? value > t.target
              : value >= t.target;
    out.push({ metric, value, target: t.target, op: t.op, met });
  }
  return out;
}

function outcomeOf(tc: XmlNode): {
  outcome: Outcome;
  message?: string;
  details?: string;
  skipReason?: string;
} {
  const bad = [...asArray(tc['failure']), ...asArray(tc['error'])];
  // `<failure>` may have been parsed as an empty string (no attributes, no body).
  const hasFailure = tc['failure'] !== undefined || tc['error'] !== undefined;
  if (hasFailure) {
    const first = bad[0] ?? {};
    const rawFirst =
      (tc['failure'] as unknown[] | undefined)?.[0] ?? (tc['error'] as unknown[] | undefined)?.[0];
    const body = typeof rawFirst === 'string' ? rawFirst : text(first);
    const message = attr(first, 'message') ?? body.trim().split('\n')[0] ?? '';
    return { outcome: 'failed', message, details: body.trim() || undefined };
  }
  if (tc['skipped'] !== undefined) {
    const s = asArray(tc['skipped'])[0] ?? {};
    return { outcome: 'skipped', skipReason: attr(s, 'message') };
  }
  return { outcome: 'passed' };
}

/** Walk nested testsuites (some tools nest them) collecting testcases with their suite's properties. */
function collect(
  suite: XmlNode,
  inherited: Map<string, string[]>,
  out: { tc: XmlNode; suiteProps: Map<string, string[]> }[],
) {
  const own = properties(suite);
  const merged = new Map([...inherited, ...own]);
  for (const tc of asArray(suite['testcase'])) out.push({ tc, suiteProps: merged });
  for (const child of asArray(suite['testsuite'])) collect(child, merged, out);
}

/**
 * A suite's own counters must agree with the testcases it holds (nested suites included): a JUnit
 * whose `tests`/`failures`/`errors` say more than its cases show lost results on the way (L11).
 */
function checkCounters(suite: XmlNode, file: string): { tests: number; failures: number; errors: number } {
  const mine = { tests: 0, failures: 0, errors: 0 };
  for (const tc of asArray(suite['testcase'])) {
    mine.tests++;
    if (tc['error'] !== undefined) mine.errors++;
    else if (tc['failure'] !== undefined) mine.failures++;
  }
  for (const child of asArray(suite['testsuite'])) {
    const c = checkCounters(child, file);
    mine.tests += c.tests;
    mine.failures += c.failures;
    mine.errors += c.errors;
  }
  for (const k of ['tests', 'failures', 'errors'] as const) {
    const declared = attr(suite, k);
    if (declared === undefined || declared === '') continue;
    if (Number(declared) !== mine[k]) {
      throw new GateInputError(
        `${file}: testsuite "${attr(suite, 'name') ?? '?'}" says ${k}="${declared}" but holds ${mine[k]}: results are missing or altered, so this input cannot be gated`,
      );
    }
  }
  return mine;
}

function priorityOf(
  props: Map<string, string[]>,
  name: string,
  file: string,
  frameworkError: boolean,
): { priority: Priority; source: PrioritySource } {
  const p = props.get('priority')?.[0];
  if (p !== undefined) {
    if (p !== 'P0' && p !== 'P1' && p !== 'P2') {
      throw new GateInputError(
        `${file}: testcase "${name}": property priority="${p}", expected P0, P1 or P2`,
      );
    }
    return { priority: p, source: 'property' };
  }
  const m = MARKER.exec(name);
  const marked = m?.[1] ?? m?.[2] ?? m?.[3];
  if (marked) return { priority: marked as Priority, source: 'marker' };
  // Our reporter's own error cases (a suite file that failed to load, a duplicate id) carry no
  // priority: the checks behind them never ran, which weighs like a P0 failure.
  if (frameworkError) return { priority: 'P0', source: 'default' };
  // Unmarked foreign tests count as P1: a failure weighs on the 90% rule without alone failing the gate.
  return { priority: 'P1', source: 'default' };
}

/** Cluster from the file name `junit-<cluster>.xml`, the reporter's naming. */
export function clusterFromFileName(file: string): string | undefined {
  const m = /^junit-(.+)\.xml$/.exec(basename(file));
  return m?.[1];
}

/** Parse one JUnit file; throws GateInputError naming the file (and line for malformed XML). */
export function readJUnit(file: string, runDir: string): CheckResult[] {
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GateInputError(`${file}: cannot read JUnit file: ${(e as Error).message}`);
  }
  if (xml.trim() === '') throw new GateInputError(`${file}:1: JUnit file is empty`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new GateInputError(
      `${file}:${valid.err.line}:${valid.err.col}: invalid XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const doc = parser.parse(xml) as XmlNode;
  const roots: XmlNode[] = [];
  if (doc['testsuites'] !== undefined) {
    // the <testsuites> element counts like a suite that holds them all
    for (const r of asArray(doc['testsuites'])) checkCounters({ ...r, testcase: [] }, file);
    for (const r of asArray(doc['testsuites'])) roots.push(...asArray(r['testsuite']));
  } else if (doc['testsuite'] !== undefined) {
    roots.push(...asArray(doc['testsuite']));
  } else {
    const found = Object.keys(doc).filter((k) => !k.startsWith('?'));
    throw new GateInputError(
      `${file}:1: not JUnit: expected a <testsuites> or <testsuite> root element, found <${found[0] ?? 'nothing'}>`,
    );
  }
  const cases: { tc: XmlNode; suiteProps: Map<string, string[]> }[] = [];
  for (const r of roots) {
    checkCounters(r, file);
    collect(r, new Map(), cases);
  }

  const fileCluster = clusterFromFileName(file);
  return cases.map(({ tc, suiteProps }) => {
    const rawName = attr(tc, 'name') ?? '';
    const classname = attr(tc, 'classname') ?? '';
    const props = properties(tc, true);
    const foreign = props.size === 0 || (props.size === 1 && props.has('evidence'));
    const one = (k: string) => props.get(k)?.[0];
    const leading = LEADING_ID.exec(rawName);
    const id = one('id') ?? leading?.[1] ?? (classname ? `${classname} > ${rawName}` : rawName);
    const title = (leading && leading[1] === id ? leading[2] : rawName) ?? rawName;
    const cluster = one('cluster') ?? suiteProps.get('cluster')?.[0] ?? fileCluster ?? 'default';
    const outcome = outcomeOf(tc);
    const { priority, source } = priorityOf(props, rawName, file, !foreign && outcome.outcome === 'failed');
    const attempts = Number(one('attempts') ?? '1');
    const time = Number(attr(tc, 'time') ?? '0');
    const result: CheckResult = {
      id,
      title: title.trim(),
      cluster,
      priority,
      prioritySource: source,
      component: one('component'),
      ...refsOf(one('story'), one('ac'), one('risks')),
      attempts: Number.isFinite(attempts) && attempts > 0 ? attempts : 1,
      flaky: one('flaky') === 'true',
      disruptive: one('disruptive') === 'true',
      suggestedAction: one('suggested_action'),
      evidence: props.get('evidence') ?? [],
      baselines: baselines(props, file, id),
      durationMs: Number.isFinite(time) ? Math.round(time * 1000) : 0,
      foreign,
      runDir,
      source: file,
      classname,
      ...outcome,
    };
    return result;
  });
}

/** JUnit `story`/`ac`/`risks` (comma-separated) -> the check's stories and qualified refs. */
function refsOf(
  story: string | undefined,
  ac: string | undefined,
  risks: string | undefined,
): Pick<CheckResult, 'story' | 'stories' | 'ac' | 'risks'> {
  const stories = list(story);
  const own = stories[0];
  const q = (refs: string[]) => (own ? refs.map((r) => qualified(r, own)) : refs);
  return { story: own, stories, ac: q(list(ac)), risks: q(list(risks)) };
}
