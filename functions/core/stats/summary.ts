import { SEVERITY_ORDER, type Severity } from '../model/complaint.ts';
import type { Platform } from '../model/interaction.ts';
import { TTA_BUCKETS } from './counters.ts';

/** A counter cell as stored: its coordinates and counts. */
export interface CohortCounts {
  day: string;
  platform: Platform;
  severity: Severity;
  counters: Record<string, number>;
}
export interface BacklogCounts {
  platform: Platform;
  severity: Severity;
  open: number;
}

export interface StatsFilter {
  /** First and last received day (UTC, YYYY-MM-DD), inclusive. */
  since: string;
  until: string;
  platform?: Platform;
  severity?: Severity;
}

export interface Percentiles {
  /** Half of the responses came within this many minutes (estimated within a histogram bucket). */
  p50Minutes: number | null;
  p90Minutes: number | null;
}

export interface Summary {
  /** Complaints that needed a response (a deadline was set). */
  received: number;
  /** Acknowledged or resolved, at any time. */
  responded: number;
  /** ... by their deadline. */
  respondedWithinTarget: number;
  /** responded / received: the research's "4 in 10". Null when nothing was received. */
  responseRate: number | null;
  withinTargetRate: number | null;
  breached: number;
  breachRate: number | null;
  timeToAcknowledge: Percentiles & { business: Percentiles };
  /** Escalations sent, by level (L1, L2, …). */
  escalations: Record<string, number>;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

/** The q-quantile of a histogram over TTA_BUCKETS, interpolated linearly within its bucket. */
export function histogramQuantile(counts: number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 0 : TTA_BUCKETS[i - 1]!;
      // The last bucket has no upper bound: report its lower bound (a floor, "at least").
      const upper = TTA_BUCKETS[i] ?? lower;
      return Math.round((lower + ((rank - seen) / n) * (upper - lower)) * 10) / 10;
    }
    seen += n;
  }
  return TTA_BUCKETS.at(-1)!;
}

function summarize(cells: CohortCounts[]): Summary {
  const sum = (name: string) => cells.reduce((total, c) => total + (c.counters[name] ?? 0), 0);
  const histogram = (prefix: string) =>
    Array.from({ length: TTA_BUCKETS.length + 1 }, (_, i) => sum(`${prefix}${i}`));
  const percentiles = (prefix: string): Percentiles => {
    const counts = histogram(prefix);
    return { p50Minutes: histogramQuantile(counts, 0.5), p90Minutes: histogramQuantile(counts, 0.9) };
  };
  const escalations: Record<string, number> = {};
  for (const cell of cells)
    for (const [name, n] of Object.entries(cell.counters))
      if (/^escL\d+$/.test(name) && n) escalations[name.slice(3)] = (escalations[name.slice(3)] ?? 0) + n;
  const received = sum('received');
  const responded = sum('responded');
  const within = sum('withinTarget');
  const breached = sum('breached');
  return {
    received,
    responded,
    respondedWithinTarget: within,
    responseRate: ratio(responded, received),
    withinTargetRate: ratio(within, received),
    breached,
    breachRate: ratio(breached, received),
    timeToAcknowledge: { ...percentiles('tta'), business: percentiles('btta') },
    escalations,
  };
}

/** Every day from `since` to `until` (inclusive), for a series without gaps. */
export function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= Date.parse(`${until}T00:00:00Z`); t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The stats response: overall, per platform, per day, and the open backlog by severity. */
export function buildStats(cohorts: CohortCounts[], backlog: BacklogCounts[], filter: StatsFilter) {
  const wanted = <T extends { platform: Platform; severity: Severity }>(c: T) =>
    (!filter.platform || c.platform === filter.platform) &&
    (!filter.severity || c.severity === filter.severity);
  const cells = cohorts.filter((c) => wanted(c) && c.day >= filter.since && c.day <= filter.until);
  const platforms = [...new Set(cells.map((c) => c.platform))].sort();
  const open = backlog.filter(wanted);
  return {
    since: filter.since,
    until: filter.until,
    ...(filter.platform ? { platform: filter.platform } : {}),
    ...(filter.severity ? { severity: filter.severity } : {}),
    overall: summarize(cells),
    byPlatform: Object.fromEntries(
      platforms.map((p) => [p, summarize(cells.filter((c) => c.platform === p))]),
    ),
    bySeverity: Object.fromEntries(
      SEVERITY_ORDER.map((s) => [s, summarize(cells.filter((c) => c.severity === s))]),
    ) as Record<Severity, Summary>,
    daily: daysBetween(filter.since, filter.until).map((day) => ({
      day,
      ...summarize(cells.filter((c) => c.day === day)),
    })),
    backlog: {
      open: open.reduce((total, c) => total + c.open, 0),
      bySeverity: Object.fromEntries(
        SEVERITY_ORDER.map((s) => [s, open.filter((c) => c.severity === s).reduce((t, c) => t + c.open, 0)]),
      ) as Record<Severity, number>,
    },
  };
}
export type Stats = ReturnType<typeof buildStats>;
