import * as z from 'zod';

/**
 * Business hours in a time zone, with holidays. Deadlines count only working time; wall-clock times are
 * converted through the IANA time zone database (Intl), so DST changes are handled by the platform.
 */
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times are HH:MM (24-hour)');
/** A day's shifts, in order (given in any order), never overlapping. */
const Day = z
  .array(z.tuple([Time, Time]).refine(([a, b]) => a < b, 'an interval must end after it starts'))
  .default([])
  .transform((shifts) => [...shifts].sort(([a], [b]) => a.localeCompare(b)))
  .refine(
    (shifts) => shifts.every(([start], i) => i === 0 || shifts[i - 1]![1] <= start),
    'shifts must not overlap',
  );
export const BusinessCalendar = z.object({
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/London'),
  weekly: z.object({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day }),
  /** Local dates (YYYY-MM-DD) with no working hours. */
  holidays: z.array(z.iso.date()).default([]),
});
export type BusinessCalendar = z.infer<typeof BusinessCalendar>;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date and time of `instant` in `timeZone`. */
export function localParts(timeZone: string, instant: number) {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return {
    y: Number(p['year']),
    m: Number(p['month']),
    d: Number(p['day']),
    h: Number(p['hour']),
    mi: Number(p['minute']),
    s: Number(p['second']),
  };
}

/** Offset of `timeZone` from UTC at `instant`, in ms. */
function offsetAt(timeZone: string, instant: number): number {
  const p = localParts(timeZone, instant);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall-clock time occurs. Twice in a fall-back overlap: the first. Never in a
 * spring-forward gap: then as far past the gap's start as the time is (02:30 in New York on the
 * spring-forward day is 03:30 EDT), the "compatible" rule of RFC 9557 and Temporal.
 */
export function zonedToInstant(
  timeZone: string,
  y: number,
  m: number,
  d: number,
  minutesOfDay: number,
): number {
  const wall = Date.UTC(y, m - 1, d) + minutesOfDay * 60_000;
  const before = offsetAt(timeZone, wall - 12 * 3_600_000);
  const after = offsetAt(timeZone, wall + 12 * 3_600_000);
  const occurs = [wall - before, wall - after].filter(
    (instant) => instant + offsetAt(timeZone, instant) === wall,
  );
  return occurs.length > 0 ? Math.min(...occurs) : wall - before;
}

const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

/** Working intervals [start, end) of the local day containing `instant`, as instants. */
function workingIntervals(calendar: BusinessCalendar, y: number, m: number, d: number): [number, number][] {
  const date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  if (calendar.holidays.includes(date)) return [];
  const weekday = DAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
  return calendar.weekly[weekday].map(([a, b]) => [
    zonedToInstant(calendar.timeZone, y, m, d, toMinutes(a)),
    zonedToInstant(calendar.timeZone, y, m, d, toMinutes(b)),
  ]);
}

/** `start` plus `minutes` of working time. Gives up (returns null) after two years without working hours. */
export function addWorkingMinutes(calendar: BusinessCalendar, start: Date, minutes: number): Date | null {
  let remaining = minutes * 60_000;
  let cursor = start.getTime();
  let { y, m, d } = localParts(calendar.timeZone, cursor);
  for (let day = 0; day < 731; day++) {
    for (const [open, close] of workingIntervals(calendar, y, m, d)) {
      if (cursor >= close) continue;
      const from = Math.max(cursor, open);
      if (remaining <= close - from) return new Date(from + remaining);
      remaining -= close - from;
      cursor = close;
    }
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
  }
  return null;
}

/** Working minutes between two instants (business time to acknowledge); 0 when `end` is not after `start`. */
export function workingMinutesBetween(calendar: BusinessCalendar, start: Date, end: Date): number {
  const from = start.getTime();
  const to = end.getTime();
  if (!(to > from)) return 0;
  let total = 0;
  let { y, m, d } = localParts(calendar.timeZone, from);
  // Bounded like addWorkingMinutes: beyond two years, business time stops counting.
  for (let day = 0; day < 731; day++) {
    for (const [open, close] of workingIntervals(calendar, y, m, d)) {
      if (open >= to) return total / 60_000;
      total += Math.max(0, Math.min(close, to) - Math.max(open, from));
    }
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    if (zonedToInstant(calendar.timeZone, y, m, d, 0) >= to) break;
  }
  return total / 60_000;
}

export function describeCalendar(calendar: BusinessCalendar): string {
  const days = DAYS.filter((day) => calendar.weekly[day].length > 0)
    .map((day) => `${day} ${calendar.weekly[day].map(([a, b]) => `${a}–${b}`).join(', ')}`)
    .join('; ');
  const holidays = calendar.holidays.length ? `, except ${calendar.holidays.length} holiday(s)` : '';
  return `working time only (${calendar.timeZone}: ${days}${holidays})`;
}
