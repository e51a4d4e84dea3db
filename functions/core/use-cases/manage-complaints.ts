import type { Complaint, Status, TimelineEvent } from '../model/complaint.ts';
import { NotFound } from '../model/errors.ts';
import type { Clock, ComplaintStore, ListFilter, Page, SlaTimers } from '../ports.ts';

export interface ManageDeps {
  store: ComplaintStore;
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

export async function stats(deps: Pick<ManageDeps, 'store'>) {
  return { byStatus: await deps.store.countByStatus() };
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
  if (result.changed && result.complaint.ackDueAt) {
    // Stopping promptly ends billed transitions; if it fails the timer still ends at its next tick.
    await deps.timers
      .stop(id)
      .catch((error: unknown) => deps.onWarning(`could not stop the SLA timer of ${id}`, error));
  }
  return result.complaint;
}

/** Idempotent: acknowledging twice keeps the first acknowledgement. */
export function acknowledge(id: string, caller: string, note: string | undefined, deps: ManageDeps) {
  const at = deps.clock.now().toISOString();
  const by = { by: `api:${caller}`, via: 'api' as const, at };
  return move(
    id,
    ['open'],
    'acknowledged',
    { acknowledgedAt: at, acknowledgedBy: by },
    { at, type: 'acknowledged', detail: { by: by.by, via: 'api', note } },
    deps,
  );
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
