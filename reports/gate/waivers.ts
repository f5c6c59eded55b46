// Waiver file: YAML entries naming a check id or a risk id, with reason, approver and expiry.
// An active waiver turns the failures it names into WAIVED; an expired one is ignored with a warning.
import { qualified } from '../../helpers/trace/catalogue.js';
import { isFrameworkError } from './completeness.js';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { GateInputError, type CheckResult } from './model.js';

const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const Entry = z
  .object({
    check: z.string().min(1).optional(),
    risk: z.string().min(1).optional(),
    cluster: z.string().min(1).optional(),
    reason: z.string().min(1),
    approved_by: z.string().min(1),
    // YAML turns an unquoted 2026-12-31 into a Date; accept both.
    expires: z.union([z.date(), z.string().regex(DATE, 'expected a date like 2026-12-31')]),
  })
  .strict()
  .refine((e) => (e.check === undefined) !== (e.risk === undefined), {
    message: 'exactly one of "check" (a check id) or "risk" (a risk id) is required',
  });

const File = z.union([z.array(z.unknown()), z.object({ waivers: z.array(z.unknown()) }).strict()]);

export interface Waiver {
  check?: string;
  risk?: string;
  cluster?: string;
  reason: string;
  approvedBy: string;
  /** End of validity: a date-only value is valid through that whole day (UTC). */
  expires: Date;
  /** `<file>#<index>` for messages. */
  origin: string;
}

export interface WaiverSet {
  active: Waiver[];
  expired: Waiver[];
  warnings: string[];
}

function expiry(v: Date | string): Date {
  if (v instanceof Date) {
    // A date-only YAML value is midnight UTC: keep it valid through that day.
    const dateOnly = v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0;
    return dateOnly ? new Date(v.getTime() + 86_400_000 - 1) : v;
  }
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T23:59:59.999Z`) : new Date(v);
  return d;
}

export function loadWaivers(file: string, now: Date = new Date()): WaiverSet {
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GateInputError(`--waivers ${file}: cannot read: ${(e as Error).message}`);
  }
  const doc = parseDocument(src);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new GateInputError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  const top = File.safeParse(doc.toJS());
  if (!top.success) {
    throw new GateInputError(
      `${file}: expected a list of waivers or a mapping "waivers: [...]", each {check|risk, reason, approved_by, expires}`,
    );
  }
  const entries = Array.isArray(top.data) ? top.data : top.data.waivers;
  const out: WaiverSet = { active: [], expired: [], warnings: [] };
  entries.forEach((raw, i) => {
    const parsed = Entry.safeParse(raw);
    const label =
      raw && typeof raw === 'object' && ('check' in raw || 'risk' in raw)
        ? ` (${String((raw as Record<string, unknown>)['check'] ?? (raw as Record<string, unknown>)['risk'])})`
        : '';
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `field "${issue.path.join('.')}"` : 'entry';
      throw new GateInputError(`${file}: waiver #${i + 1}${label}: ${where}: ${issue?.message ?? 'invalid'}`);
    }
    const e = parsed.data;
    const expires = expiry(e.expires);
    if (Number.isNaN(expires.getTime())) {
      throw new GateInputError(`${file}: waiver #${i + 1}${label}: field "expires": not a valid date`);
    }
    const w: Waiver = {
      check: e.check,
      risk: e.risk,
      cluster: e.cluster,
      reason: e.reason,
      approvedBy: e.approved_by,
      expires,
      origin: `${file}#${i + 1}`,
    };
    if (expires.getTime() < now.getTime()) {
      out.expired.push(w);
      out.warnings.push(
        `waiver #${i + 1} for ${w.check ? `check ${w.check}` : `risk ${w.risk}`} expired ${expires.toISOString().slice(0, 10)}: ignored`,
      );
    } else out.active.push(w);
  });
  return out;
}

export function waiverMatches(w: Waiver, c: CheckResult): boolean {
  if (w.cluster !== undefined && w.cluster !== c.cluster) return false;
  if (w.check !== undefined) return w.check === c.id;
  // `STORY-OR-ALIAS:RISK` names one profile's risk; a bare id is a risk of the check's own story
  return w.risk !== undefined && !!c.story && c.risks.includes(qualified(w.risk, c.story));
}

/** A framework error (a file that never ran, a hook, an unhandled error) is never waived: no check ran. */
export function findWaiver(waivers: Waiver[], c: CheckResult): Waiver | undefined {
  if (isFrameworkError(c)) return undefined;
  return waivers.find((w) => waiverMatches(w, c));
}

export function waiverLabel(w: Waiver): string {
  return w.check ? `check ${w.check}` : `risk ${w.risk}`;
}
