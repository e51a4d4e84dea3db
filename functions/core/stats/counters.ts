import type { Complaint, Severity } from '../model/complaint.ts';
import type { Platform } from '../model/interaction.ts';
import { type BusinessCalendar, workingMinutesBetween } from '../sla/calendar.ts';

/**
 * The numbers a team reads, kept as counters so a stats call reads a few items whatever the number
 * of complaints. Each complaint *contributes* to counters by its state; whenever it changes, the
 * repository applies the difference between its new and its last applied contribution, in one
 * transaction with a record of what it applied (so each change counts exactly once, however often it
 * is retried). Two kinds of cells:
 *
 * - a cohort cell per received day × platform × severity (complaints that needed a response, and what
 *   became of them: acknowledged, within target, breached, escalations by level, time to acknowledge
 *   as histograms in calendar and business minutes);
 * - a backlog cell per platform × severity (open complaints waiting for a response, now).
 */
export type StatsCell =
  | { kind: 'cohort'; day: string; platform: Platform; severity: Severity }
  | { kind: 'backlog'; platform: Platform; severity: Severity };

/** Upper bounds (minutes) of the time-to-acknowledge histogram buckets; one more bucket holds the rest. */
export const TTA_BUCKETS = [
  1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 10080, 20160,
] as const;

/** A cell and the counters a complaint adds to it (all 1s; a delta may be negative). */
export interface Contribution {
  cell: StatsCell;
  counters: Record<string, number>;
}

export const cellId = (cell: StatsCell) =>
  cell.kind === 'cohort'
    ? `cohort|${cell.day}|${cell.platform}|${cell.severity}`
    : `backlog|${cell.platform}|${cell.severity}`;

export function bucketOf(minutes: number): number {
  const index = TTA_BUCKETS.findIndex((bound) => minutes <= bound);
  return index === -1 ? TTA_BUCKETS.length : index;
}

/**
 * When a complaint got its first response: acknowledged, or resolved without an acknowledgement
 * first (a reopened complaint keeps its first response).
 */
export function respondedAt(
  c: Pick<Complaint, 'acknowledgedAt' | 'resolvedAt' | 'firstResponseAt'>,
): string | null {
  return c.firstResponseAt ?? c.acknowledgedAt ?? c.resolvedAt;
}

/**
 * What one complaint adds to the counters in its present state. Only complaints that needed a
 * response (a deadline was set) count; test complaints never do.
 */
export function contribution(c: Complaint, calendar: BusinessCalendar | null): Contribution[] {
  if (!c.ackDueAt || c.test) return [];
  const cohort: Record<string, number> = { received: 1 };
  const responded = respondedAt(c);
  if (responded) {
    cohort['responded'] = 1;
    if (responded <= (c.firstAckDueAt ?? c.ackDueAt)) cohort['withinTarget'] = 1;
    const from = new Date(c.receivedAt);
    const to = new Date(responded);
    const minutes = Math.max(0, (to.getTime() - from.getTime()) / 60_000);
    cohort[`tta${bucketOf(minutes)}`] = 1;
    const business =
      calendar && c.severity !== 'critical' ? workingMinutesBetween(calendar, from, to) : minutes;
    cohort[`btta${bucketOf(business)}`] = 1;
  }
  if (c.breached || c.slaSteps.includes('breached')) cohort['breached'] = 1;
  for (const step of c.slaSteps) if (/^L\d+$/.test(step)) cohort[`esc${step}`] = 1;
  const cells: Contribution[] = [
    {
      cell: { kind: 'cohort', day: c.receivedAt.slice(0, 10), platform: c.platform, severity: c.severity },
      counters: cohort,
    },
  ];
  if (c.status === 'open')
    cells.push({
      cell: { kind: 'backlog', platform: c.platform, severity: c.severity },
      counters: { open: 1 },
    });
  return cells;
}

/** What to add to the counters to go from `before` (the last applied) to `after`; zeros dropped. */
export function contributionDelta(before: Contribution[], after: Contribution[]): Contribution[] {
  const cells = new Map<string, Contribution>();
  const add = (list: Contribution[], sign: 1 | -1) => {
    for (const { cell, counters } of list) {
      const id = cellId(cell);
      const entry = cells.get(id) ?? { cell, counters: {} };
      for (const [name, n] of Object.entries(counters))
        entry.counters[name] = (entry.counters[name] ?? 0) + sign * n;
      cells.set(id, entry);
    }
  };
  add(before, -1);
  add(after, 1);
  return [...cells.values()]
    .map(({ cell, counters }) => ({
      cell,
      counters: Object.fromEntries(Object.entries(counters).filter(([, n]) => n !== 0)),
    }))
    .filter(({ counters }) => Object.keys(counters).length > 0);
}
