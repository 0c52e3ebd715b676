import { z } from 'zod';

// Go-style durations ("500ms", "90s", "1h30m"): units in descending order, each at most once,
// integer amounts, no spaces. Stricter than Go on purpose: one spelling per value keeps drill
// files diff-friendly, and bare numbers are refused because "30" could mean seconds or minutes.
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [3_600_000, 60_000, 1_000, 1] as const;

export const DURATION_FORM = 'a duration like 500ms, 90s, 5m, 1h30m or 2h';

/** Parses a duration to integer milliseconds, or returns the reason it is not one. */
export function tryParseDuration(s: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const text = s.trim();
  if (text.startsWith('-')) return { ok: false, reason: `"${s}" is negative: expected ${DURATION_FORM}` };
  const m = DURATION.exec(text);
  if (text === '' || !m) return { ok: false, reason: `"${s}" is not ${DURATION_FORM}` };
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * (UNIT_MS[i] ?? 0);
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: `"${s}" is too long` };
  return { ok: true, ms };
}

/** Parses "1h30m" to 5400000. Throws on anything that is not a non-negative duration. */
export function parseDuration(s: string): number {
  const r = tryParseDuration(s);
  if (!r.ok) throw new Error(r.reason);
  return r.ms;
}

/** Inverse of parseDuration: 90000 -> "1m30s", 0 -> "0s". Fractions of a millisecond are rounded. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  const units = ['h', 'm', 's', 'ms'] as const;
  let out = '';
  for (let i = 0; i < units.length; i++) {
    const size = UNIT_MS[i] ?? 1;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) out += `${n}${units[i]}`;
  }
  return ms < 0 ? `-${out}` : out;
}

interface DurationRule {
  /** Smallest accepted value in ms (inclusive). */
  min?: number;
  /** Reject zero (the default): most durations make no sense at 0. */
  positive?: boolean;
}

// Set while a parsed spec (durations already in ms) is checked again by the same schema, as the
// worker does with the spec a workflow was started with; drill files still need the text form.
let reparsing = false;

/** Runs `parse` accepting integer milliseconds where a drill file must write a duration. */
export function reparseParsed<T>(parse: () => T): T {
  reparsing = true;
  try {
    return parse();
  } finally {
    reparsing = false;
  }
}

/** A duration field: a string in the drill file, integer milliseconds in the parsed spec. */
export function duration(rule: DurationRule = {}) {
  const { min = 0, positive = true } = rule;
  return z.preprocess((v) => (reparsing && Number.isSafeInteger(v) && (v as number) >= 0 ? formatDuration(v as number) : v), z
    .string({ error: `expected ${DURATION_FORM}` })
    .transform((s, ctx) => {
      const r = tryParseDuration(s);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.reason, input: s });
        return z.NEVER;
      }
      if (positive && r.ms === 0) {
        ctx.addIssue({ code: 'custom', message: `must be greater than 0 (${DURATION_FORM})`, input: s });
        return z.NEVER;
      }
      if (r.ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}, got ${s}`, input: s });
        return z.NEVER;
      }
      return r.ms;
    }));
}
