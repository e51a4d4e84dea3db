import {
  type Complaint,
  type Correction,
  REPROACH_LEVELS,
  type Severity,
  type Status,
  type TimelineEvent,
} from '../model/complaint.ts';
import { BadRequest, Conflict, NotFound } from '../model/errors.ts';
import type { Platform } from '../model/interaction.ts';
import type { Clock, ComplaintRepository, ListFilter, Page, SlaTimers } from '../ports.ts';
import { ackDueAt, type SlaPolicy } from '../sla/policy.ts';
import { ensureTimer, nextTimerGeneration, stopTimers } from '../sla/timers.ts';
import { buildStats, daysBetween, type Stats } from '../stats/summary.ts';

export interface ManageDeps {
  store: ComplaintRepository;
  timers: SlaTimers;
  clock: Clock;
  /** Best-effort side failures (a timer that could not be stopped) are reported, not thrown. */
  onWarning: (message: string, error: unknown) => void;
}

export async function getComplaint(
  id: string,
  deps: Pick<ManageDeps, 'store'>,
): Promise<Complaint & { timeline: TimelineEvent[] }> {
  const complaint = await deps.store.get(id);
  if (!complaint) throw new NotFound(`complaint ${id} not found`);
  return { ...complaint, timeline: await deps.store.timeline(id) };
}

export function listComplaints(
  filter: ListFilter,
  deps: Pick<ManageDeps, 'store'>,
): Promise<Page<Complaint>> {
  return deps.store.list(filter);
}

export interface StatsQuery {
  since?: string;
  until?: string;
  platform?: Platform;
  severity?: Severity;
}

/** Longest range one stats call covers (one query per month). */
export const MAX_STATS_DAYS = 366;
const DEFAULT_STATS_DAYS = 30;

/**
 * Response rate, time to acknowledge, breaches, escalations and backlog, from the counters: by
 * default over the last 30 days (UTC, received day), overall, per platform and per day.
 */
export async function stats(query: StatsQuery, deps: Pick<ManageDeps, 'store' | 'clock'>): Promise<Stats> {
  const until = query.until ?? deps.clock.now().toISOString().slice(0, 10);
  const since =
    query.since ??
    new Date(Date.parse(`${until}T00:00:00Z`) - (DEFAULT_STATS_DAYS - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
  if (since > until) throw new BadRequest('since must not be after until', { since, until });
  if (daysBetween(since, until).length > MAX_STATS_DAYS)
    throw new BadRequest(`a stats range covers at most ${MAX_STATS_DAYS} days`, { since, until });
  const { cohorts, backlog } = await deps.store.statsCounts(since, until);
  return buildStats(cohorts, backlog, { since, until, platform: query.platform, severity: query.severity });
}

/** Stopping promptly ends billed transitions; if it fails, the timer still ends at its next tick. */
function stopQuietly(complaint: Complaint, deps: ManageDeps): Promise<void> {
  return stopTimers(complaint, deps.timers).catch((error: unknown) =>
    deps.onWarning(`could not stop the SLA timers of ${complaint.id}`, error),
  );
}

async function move(
  id: string,
  from: Status[],
  to: 'acknowledged' | 'resolved',
  changes: Partial<Complaint>,
  event: TimelineEvent,
  deps: ManageDeps,
) {
  const result = await deps.store.transition(id, from, to, changes, event);
  if (!result) throw new NotFound(`complaint ${id} not found`);
  if (result.changed && result.complaint.ackDueAt) await stopQuietly(result.complaint, deps);
  return result.complaint;
}

/**
 * Idempotent: acknowledging twice keeps the first acknowledgement. A resolved complaint is not
 * acknowledged behind the resolver's back: 409, reopen it first.
 */
export async function acknowledge(id: string, caller: string, note: string | undefined, deps: ManageDeps) {
  const at = deps.clock.now().toISOString();
  const by = { by: `api:${caller}`, via: 'api' as const, at };
  const complaint = await move(
    id,
    ['open'],
    'acknowledged',
    { acknowledgedAt: at, acknowledgedBy: by },
    { at, type: 'acknowledged', detail: { by: by.by, via: 'api', note } },
    deps,
  );
  if (complaint.status === 'resolved')
    throw new Conflict(`complaint ${id} is resolved; reopen it to acknowledge it again`);
  return complaint;
}

/** An export is one response (Lambda answers at most 6 MB): this many rows at most. */
export const MAX_EXPORT_ROWS = 10_000;

/** Every complaint the filter finds, page by page, up to MAX_EXPORT_ROWS. */
export async function exportComplaints(
  filter: Omit<ListFilter, 'limit' | 'cursor'>,
  deps: Pick<ManageDeps, 'store'>,
): Promise<Complaint[]> {
  const items: Complaint[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ ...filter, limit: 100, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < MAX_EXPORT_ROWS);
  return items.slice(0, MAX_EXPORT_ROWS);
}

/** Most complaints one bulk acknowledgement takes (a viral moment is worked in pages of this). */
export const MAX_BULK_IDS = 100;

/** Acknowledges each of `ids` (a viral moment), and says per id what happened; never all-or-nothing. */
export async function acknowledgeMany(
  ids: string[],
  caller: string,
  note: string | undefined,
  deps: ManageDeps,
) {
  const results: { id: string; outcome: 'acknowledged' | 'not_found' | 'conflict'; status?: string }[] = [];
  const unique = [...new Set(ids)];
  // A few at a time: a hundred ids must not take a hundred concurrent writes from one request.
  for (let i = 0; i < unique.length; i += 10) {
    results.push(
      ...(await Promise.all(
        unique.slice(i, i + 10).map(async (id) => {
          try {
            const complaint = await acknowledge(id, caller, note, deps);
            return { id, outcome: 'acknowledged' as const, status: complaint.status };
          } catch (error) {
            if (error instanceof NotFound) return { id, outcome: 'not_found' as const };
            if (error instanceof Conflict) return { id, outcome: 'conflict' as const, status: 'resolved' };
            throw error;
          }
        }),
      )),
    );
  }
  return { acknowledged: results.filter((r) => r.outcome === 'acknowledged').length, results };
}

/**
 * Back to the queue: open again with a new deadline counted from now (and its own timer); the first
 * response and its deadline are kept for the stats. Reopening an open complaint is a conflict.
 */
export async function reopen(
  id: string,
  caller: string,
  note: string | undefined,
  deps: ManageDeps & { policy: SlaPolicy },
) {
  const current = await deps.store.get(id);
  if (!current) throw new NotFound(`complaint ${id} not found`);
  if (current.status === 'open') throw new Conflict(`complaint ${id} is already open`);
  const at = deps.clock.now().toISOString();
  const due = ackDueAt(deps.policy, { ...current, receivedAt: at });
  const changes: Partial<Complaint> = {
    reopenedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ackDueAt: due,
    ...(due ? { timerGeneration: nextTimerGeneration(current) } : {}),
  };
  const first = current.firstResponseAt ?? current.acknowledgedAt ?? current.resolvedAt;
  if (first && !current.firstResponseAt) changes.firstResponseAt = first;
  if (current.ackDueAt && !current.firstAckDueAt) changes.firstAckDueAt = current.ackDueAt;
  const result = await deps.store.transition(id, [current.status], 'open', changes, {
    at,
    type: 'reopened',
    detail: { by: `api:${caller}`, from: current.status, ackDueAt: due, note },
  });
  if (!result) throw new NotFound(`complaint ${id} not found`);
  if (!result.changed)
    throw new Conflict(`complaint ${id} changed meanwhile (now ${result.complaint.status}); try again`);
  if (result.complaint.ackDueAt) await ensureTimer(result.complaint, deps.timers);
  return result.complaint;
}

/**
 * Gives a complaint to an agent (null: nobody). With `expectedAssignee`, only while it is still
 * assigned as the caller saw it: two leads assigning at once cannot silently overwrite each other (409).
 */
export async function assign(
  id: string,
  caller: string,
  request: { assignee: string | null; expectedAssignee?: string | null; note?: string },
  deps: ManageDeps,
) {
  const at = deps.clock.now().toISOString();
  const current = await deps.store.get(id);
  if (!current) throw new NotFound(`complaint ${id} not found`);
  const expected =
    request.expectedAssignee === undefined ? (current.assignee ?? null) : request.expectedAssignee;
  const result = await deps.store.updateIf(
    id,
    { assignee: expected },
    { assignee: request.assignee, assignedAt: at },
    {
      at,
      type: 'assigned',
      detail: { by: `api:${caller}`, from: expected, to: request.assignee, note: request.note },
    },
  );
  if (!result) throw new NotFound(`complaint ${id} not found`);
  if (!result.changed)
    throw new Conflict(
      `complaint ${id} is assigned to ${result.complaint.assignee ?? 'nobody'}, not ${expected ?? 'nobody'}: reload and try again`,
    );
  return result.complaint;
}

export function resolve(id: string, caller: string, note: string | undefined, deps: ManageDeps) {
  const at = deps.clock.now().toISOString();
  return move(
    id,
    ['open', 'acknowledged'],
    'resolved',
    { resolvedAt: at },
    { at, type: 'resolved', detail: { by: `api:${caller}`, note } },
    deps,
  );
}

/**
 * An agent corrects the triage. The correction is recorded in the timeline (who, from, to) and the
 * SLA follows it: a complaint corrected to praise stops its clock; praise corrected to a complaint starts one.
 */
export async function correct(
  id: string,
  caller: string,
  correction: Correction,
  deps: ManageDeps & { policy: SlaPolicy },
): Promise<Complaint> {
  // Without an expectation the agent's correction wins, but applied to the triage it was computed
  // from: a change between our read and our write (another agent, a follow-up raising severity) is re-read.
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.get(id);
    if (!current) throw new NotFound(`complaint ${id} not found`);
    const stale = staleExpectation(current, correction.expected);
    if (stale) throw new Conflict(`complaint ${id} ${stale}: reload and try again`);
    const { changes, event } = correctionOf(current, caller, correction, deps);
    const result = await deps.store.updateIf(
      id,
      {
        kind: current.kind,
        severity: current.severity,
        reproach: current.reproach ?? null,
        status: current.status,
        ackDueAt: current.ackDueAt ?? null,
      } as Partial<Complaint>,
      changes,
      event,
    );
    if (!result) throw new NotFound(`complaint ${id} not found`);
    if (!result.changed) {
      if (correction.expected || attempt >= 3)
        throw new Conflict(`complaint ${id} changed meanwhile: reload and try again`);
      continue;
    }
    const updated = result.complaint;
    if (changes.ackDueAt === null) await stopQuietly(updated, deps);
    // The old timer finds nothing left to do and ends; the new one plans from the new deadline. On a
    // retried request (the deadline already written) this makes good a start that failed last time.
    else if (updated.status === 'open' && updated.ackDueAt) await ensureTimer(updated, deps.timers);
    return updated;
  }
}

/** What no longer holds of what the agent saw (null: all of it still does). */
function staleExpectation(current: Complaint, expected: Correction['expected']): string | null {
  if (!expected) return null;
  if (expected.kind && expected.kind !== current.kind) return `is now ${current.kind}`;
  if (expected.severity && expected.severity !== current.severity)
    return `is now ${current.severity} severity`;
  if (expected.reproach && REPROACH_LEVELS[expected.reproach - 1] !== current.reproach)
    return `is now reproach "${current.reproach ?? 'unknown'}"`;
  return null;
}

/** The fields a correction sets on `current` (the SLA follows the triage) and its timeline entry. */
function correctionOf(
  current: Complaint,
  caller: string,
  correction: Correction,
  deps: ManageDeps & { policy: SlaPolicy },
) {
  const at = deps.clock.now().toISOString();
  const changes: Partial<Complaint> = { correctedAt: at, correctedBy: `api:${caller}` };
  if (correction.kind) changes.kind = correction.kind;
  if (correction.severity) changes.severity = correction.severity;
  if (correction.reproach) changes.reproach = REPROACH_LEVELS[correction.reproach - 1];
  const due = ackDueAt(deps.policy, {
    platform: current.platform,
    kind: changes.kind ?? current.kind,
    severity: changes.severity ?? current.severity,
    receivedAt: current.receivedAt,
  });
  if (current.status === 'open' && due !== current.ackDueAt) {
    changes.ackDueAt = due;
    // A new deadline runs on a timer of its own, named fresh (a stopped name cannot be reused).
    if (due !== null) changes.timerGeneration = nextTimerGeneration(current);
  }
  const { note, expected: _expected, ...to } = correction;
  const from = Object.fromEntries(Object.keys(to).map((k) => [k, current[k as keyof Complaint]]));
  const event: TimelineEvent = { at, type: 'corrected', detail: { by: `api:${caller}`, from, to, note } };
  return { changes, event };
}
