import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

// Schedules become Temporal Schedules, which read the cron string and zone with Go's rules, so
// only the portable subset is accepted: five fields, and zone names spelt as in the tz database.

const cronSchema = z.string().superRefine((expr, ctx) => {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      message: `cron must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    });
    return;
  }
  try {
    // next() also catches expressions that parse but can never fire (e.g. 31 February).
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' }).next();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid cron "${expr}": ${(err as Error).message}` });
  }
});

const timezoneSchema = z.string().superRefine((tz, ctx) => {
  let resolved: string;
  try {
    if (!/^[A-Za-z]/.test(tz)) throw new RangeError(tz);
    resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}": expected an IANA name such as Asia/Seoul or UTC` });
    return;
  }
  // Intl ignores case, Temporal's Go runtime does not.
  if (resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
    ctx.addIssue({ code: 'custom', message: `time zone must be written "${resolved}"` });
  }
});

const instant = z.iso.datetime({
  offset: true,
  error: 'expected an ISO-8601 date-time with a zone, e.g. 2026-12-20T00:00:00Z or 2026-12-20T09:00:00+09:00',
});

/** A change freeze: scheduled runs that fall inside it are skipped and reported as such. */
const blackoutSchema = z
  .strictObject({
    name: z.string().trim().min(1, { message: 'blackout name must not be empty' }),
    start: instant,
    end: instant,
  })
  .superRefine((b, ctx) => {
    if (Date.parse(b.end) <= Date.parse(b.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `end (${b.end}) must be after start (${b.start})` });
    }
  });

export const scheduleSchema = z.strictObject({
  cron: cronSchema,
  timezone: timezoneSchema.default('UTC'),
  enabled: z.boolean().default(true),
  blackouts: z.array(blackoutSchema).default(() => []),
});
