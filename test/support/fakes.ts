// In-memory ports for unit tests only; end-to-end tests use the emulators.
import type { Complaint, Status, TimelineEvent } from '#core/model/complaint.ts';
import type { QueuedEvent } from '#core/model/interaction.ts';
import type {
  ClaimResult,
  Clock,
  ComplaintRepository,
  DigestClaim,
  DigestMember,
  EventQueue,
  ListFilter,
  Notification,
  Notifier,
  OperationsPager,
  Page,
  RawArchive,
  ReplayGuard,
  SlaTimers,
  StepClaim,
  StepDelivery,
  StormLedger,
} from '#core/ports.ts';
import type { BusinessCalendar } from '#core/sla/calendar.ts';
import { ackDueAt, DEFAULT_SLA_POLICY, escalationAfter } from '#core/sla/policy.ts';
import { type Contribution, cellId, contribution } from '#core/stats/counters.ts';
import type { BacklogCounts, CohortCounts } from '#core/stats/summary.ts';
import { SHIPPED_TRIAGE } from '#core/triage/shipped.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import type { ProcessDeps } from '#core/use-cases/process-event.ts';

export const RECEIVED = '2026-11-23T10:00:00.000Z';
/** A valid open complaint received at RECEIVED, for tests. */
export function complaint(overrides: Partial<Complaint> = {}): Complaint {
  const base = { platform: 'x', severity: 'high', kind: 'complaint', receivedAt: RECEIVED } as const;
  return {
    id: 'c_00000000000000000000000001',
    ...base,
    channel: 'public',
    externalId: '1',
    conversationId: '1',
    author: { id: 'u1', handle: 'ann' },
    text: 'my order is broken',
    test: false,
    deleted: false,
    createdAt: RECEIVED,
    complaintProbability: 0.9,
    sentiment: -0.5,
    reasons: [],
    status: 'open',
    ackDueAt: ackDueAt(DEFAULT_SLA_POLICY, base),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    escalationLevel: 0,
    breached: false,
    slaSteps: [],
    ...overrides,
  };
}

export class FixedClock implements Clock {
  constructor(public current: Date) {}
  now() {
    return new Date(this.current);
  }
  realMsUntil(instant: Date) {
    return Math.max(0, instant.getTime() - this.current.getTime());
  }
  wallNow() {
    return this.now();
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class MemoryQueue implements EventQueue {
  events: QueuedEvent[] = [];
  async enqueue(events: QueuedEvent[]) {
    this.events.push(...events);
  }
}

/** Honours the port's contract: an id becomes a replay only once accepted. */
export class MemoryReplayGuard implements ReplayGuard {
  states = new Map<string, 'pending' | 'accepted'>();
  async begin(key: string) {
    if (this.states.get(key) === 'accepted') return 'replay' as const;
    this.states.set(key, 'pending');
    return 'first' as const;
  }
  async accepted(key: string) {
    this.states.set(key, 'accepted');
  }
}

export class MemoryStore implements ComplaintRepository {
  items = new Map<string, { complaint: Complaint; timeline: TimelineEvent[] }>();
  /** The business calendar behind business time to acknowledge (as the repository is given it). */
  calendar: BusinessCalendar | null = null;
  async create(complaint: Complaint, events: TimelineEvent[]) {
    if (this.items.has(complaint.id)) return false;
    this.items.set(complaint.id, { complaint: structuredClone(complaint), timeline: [...events] });
    return true;
  }
  async get(id: string) {
    const item = this.items.get(id);
    return item ? structuredClone(item.complaint) : null;
  }
  async timeline(id: string) {
    return this.items.get(id)?.timeline ?? [];
  }
  /** Honours every filter, the repository's order (by deadline within a status, else newest first) and cursors. */
  async list(filter: ListFilter): Promise<Page<Complaint>> {
    const status =
      filter.status ??
      (filter.slaState ? (filter.slaState === 'acknowledged' ? 'acknowledged' : 'open') : undefined);
    const byDeadline = status !== undefined && filter.sort !== 'received' && !filter.assignee;
    const order = (c: Complaint) => (byDeadline ? `${c.ackDueAt ?? '~'}#${c.id}` : `${c.receivedAt}#${c.id}`);
    const warned = (c: Complaint) => c.slaSteps.includes('warning');
    const items = [...this.items.values()]
      .map((i) => structuredClone(i.complaint))
      .filter(
        (c) =>
          (!status || c.status === status) &&
          (!filter.platform || c.platform === filter.platform) &&
          (!filter.author || (c.platform === filter.author.platform && c.author.id === filter.author.id)) &&
          (!filter.corrected || c.correctedAt !== undefined) &&
          (!filter.kind || c.kind === filter.kind) &&
          (!filter.severity || c.severity === filter.severity) &&
          (!filter.assignee || c.assignee === filter.assignee) &&
          (filter.slaState !== 'breached' || c.breached) &&
          (filter.slaState !== 'warning' || (!c.breached && warned(c))) &&
          (filter.slaState !== 'on_track' || (!c.breached && !warned(c))) &&
          (!filter.since || c.receivedAt >= filter.since) &&
          (!filter.until || c.receivedAt <= `${filter.until}~`) &&
          (!filter.q || c.text.toLowerCase().includes(filter.q.toLowerCase())),
      )
      .sort((a, b) => (byDeadline ? order(a).localeCompare(order(b)) : order(b).localeCompare(order(a))));
    const start = filter.cursor ? items.findIndex((c) => c.id === filter.cursor) + 1 : 0;
    const page = items.slice(start, start + filter.limit);
    const more = start + filter.limit < items.length;
    return { items: page, nextCursor: more ? page.at(-1)!.id : null };
  }
  async transition(
    id: string,
    from: Status[],
    to: Status,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ) {
    const item = this.items.get(id);
    if (!item) return null;
    if (!from.includes(item.complaint.status))
      return { changed: false, complaint: structuredClone(item.complaint) };
    Object.assign(item.complaint, changes, { status: to });
    item.timeline.push(event);
    return { changed: true, complaint: structuredClone(item.complaint) };
  }
  /** Step claims as the repository keeps them: token, wall-clock time, sent. */
  claims = new Map<string, { token: string; at: number; sent: boolean }>();
  async claimSlaStep(
    id: string,
    step: string,
    changes: Partial<Complaint>,
    event: TimelineEvent,
    claim: StepClaim,
  ): Promise<ClaimResult> {
    const item = this.items.get(id);
    if (!item) return 'missing';
    if (item.complaint.status !== 'open') return 'not-open';
    const key = `${id}#${step}`;
    const current = this.claims.get(key);
    const record = { token: claim.token, at: claim.at.getTime(), sent: false };
    if (!current) {
      Object.assign(item.complaint, changes);
      item.timeline.push(event);
      this.claims.set(key, record);
      return 'claimed';
    }
    if (current.token === claim.token) return 'claimed';
    if (current.sent) return 'already-fired';
    if (current.at + claim.leaseMs > claim.at.getTime()) return 'in-flight';
    this.claims.set(key, record);
    return 'claimed';
  }
  async markStepSent(id: string, step: string, token: string, delivery: StepDelivery) {
    const current = this.claims.get(`${id}#${step}`);
    if (current?.token !== token) return;
    current.sent = true;
    const complaint = this.items.get(id)!.complaint;
    if (!complaint.slaSteps.includes(step)) complaint.slaSteps.push(step);
    complaint.slaDelivery = { ...complaint.slaDelivery, [step]: delivery };
  }
  aliases = new Map<string, string>();
  followUps = new Map<string, Set<string>>();
  async resolveMessage(platform: Complaint['platform'], externalId: string) {
    const id = complaintIdFor(platform, externalId);
    return this.items.has(id) ? id : (this.aliases.get(id) ?? null);
  }
  async findInConversation(platform: Complaint['platform'], conversationId: string, limit: number) {
    return [...this.items.values()]
      .map((i) => structuredClone(i.complaint))
      .filter((c) => c.platform === platform && c.conversationId === conversationId)
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))
      .slice(0, limit);
  }
  async addFollowUp(id: string, externalId: string, changes: Partial<Complaint>, event: TimelineEvent) {
    const item = this.items.get(id);
    const seen = this.followUps.get(id) ?? new Set<string>();
    if (!item) return 'not-open' as const;
    if (seen.has(externalId)) return 'duplicate' as const;
    if (item.complaint.status !== 'open') return 'not-open' as const;
    seen.add(externalId);
    this.followUps.set(id, seen);
    Object.assign(item.complaint, changes);
    item.timeline.push(event);
    this.aliases.set(complaintIdFor(item.complaint.platform, externalId), id);
    return 'added' as const;
  }
  async updateIf(
    id: string,
    expected: Partial<Complaint>,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ) {
    const item = this.items.get(id);
    if (!item) return null;
    const holds = Object.entries(expected).every(
      ([field, value]) => (item.complaint[field as keyof Complaint] ?? null) === (value ?? null),
    );
    if (!holds) return { changed: false, complaint: structuredClone(item.complaint) };
    Object.assign(item.complaint, changes);
    item.timeline.push(event);
    return { changed: true, complaint: structuredClone(item.complaint) };
  }
  tombstones = new Set<string>();
  async applyEdit(id: string, text: string, event: TimelineEvent) {
    const item = this.items.get(id);
    if (!item) return false;
    if (item.complaint.text !== text) {
      item.complaint.text = text;
      item.timeline.push(event);
    }
    return true;
  }
  async markDeleted(id: string, event: TimelineEvent) {
    const item = this.items.get(id);
    if (!item) {
      this.tombstones.add(id);
      return [];
    }
    if (item.complaint.deleted) return [];
    item.complaint.deleted = true;
    item.complaint.text = '';
    item.complaint.author = { id: 'deleted' };
    delete item.complaint.permalink;
    item.timeline.push(event);
    return item.timeline.flatMap((e) =>
      e.type === 'received' || e.type === 'edited' ? [String(e.detail['deliveryId'])] : [],
    );
  }
  async redactFollowUp(id: string, externalId: string, event: TimelineEvent) {
    const item = this.items.get(id);
    const entry = item?.timeline.find((e) => e.type === 'follow-up' && e.detail['externalId'] === externalId);
    if (!item || !entry || entry.detail['deleted']) return [];
    entry.detail = { ...entry.detail, text: '', deleted: true };
    item.timeline.push(event);
    return [String(entry.detail['deliveryId'])];
  }
  async hasTombstone(id: string) {
    return this.tombstones.has(id);
  }
  async releaseSlaStep(id: string, step: string, token: string) {
    const item = this.items.get(id);
    if (!item) return;
    const claim = this.claims.get(`${id}#${step}`);
    if (!claim || claim.sent || claim.token !== token) return;
    this.claims.delete(`${id}#${step}`);
    Object.assign(item.complaint, escalationAfter(item.complaint.slaSteps, step));
    const index = item.timeline.findLastIndex((e) => e.detail['step'] === step);
    if (index >= 0) item.timeline.splice(index, 1);
  }
  /** As the counters would hold them: the sum of every complaint's contribution (core/stats). */
  async statsCounts(since: string, until: string) {
    const cells = new Map<string, Contribution>();
    for (const { complaint } of this.items.values())
      for (const part of contribution(complaint, this.calendar)) {
        const id = cellId(part.cell);
        const cell = cells.get(id) ?? { cell: part.cell, counters: {} };
        for (const [name, n] of Object.entries(part.counters))
          cell.counters[name] = (cell.counters[name] ?? 0) + n;
        cells.set(id, cell);
      }
    const cohorts: CohortCounts[] = [];
    const backlog: BacklogCounts[] = [];
    for (const { cell, counters } of cells.values()) {
      if (cell.kind === 'backlog')
        backlog.push({ platform: cell.platform, severity: cell.severity, open: counters['open'] ?? 0 });
      else if (cell.day >= since && cell.day <= until) cohorts.push({ ...cell, counters });
    }
    return { cohorts, backlog };
  }
}

export class MemoryNotifier implements Notifier {
  sent: Notification[] = [];
  failNext = false;
  async publish(n: Notification) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('SNS unavailable');
    }
    this.sent.push(n);
  }
}

export class MemoryTimers implements SlaTimers {
  started = new Set<string>();
  stopped = new Set<string>();
  async start(name: string) {
    this.started.add(name);
  }
  async stop(names: string[]) {
    for (const name of names) this.stopped.add(name);
  }
}

export class MemoryRawArchive implements RawArchive {
  raw = new Map<string, QueuedEvent>();
  async keep(event: QueuedEvent) {
    this.raw.set(event.deliveryId, event);
  }
  async forget(deliveryIds: string[]) {
    for (const id of deliveryIds) this.raw.delete(id);
  }
  /** By `<source>` then `<receivedAt>#<deliveryId>`, as the table sorts them. */
  unhandled = new Map<string, QueuedEvent>();
  async keepUnhandled(event: QueuedEvent) {
    this.unhandled.set(this.unhandledKey(event), event);
  }
  async listUnhandled(source: string, cursor?: string) {
    const keys = [...this.unhandled.keys()].filter((k) => k.startsWith(`${source}|`)).sort();
    const from = cursor ? keys.indexOf(cursor) + 1 : 0;
    const page = keys.slice(from, from + 2);
    const last = page.at(-1);
    return {
      events: page.map((k) => this.unhandled.get(k)!),
      cursor: from + 2 < keys.length && last ? last : undefined,
    };
  }
  async dropUnhandled(event: QueuedEvent) {
    this.unhandled.delete(this.unhandledKey(event));
  }
  private unhandledKey(event: QueuedEvent) {
    const { source } = event.payload as { source: string };
    return `${source}|${event.receivedAt}#${event.deliveryId}`;
  }
}

/** Records what operations would be paged about. */
export class MemoryOperationsPager implements OperationsPager {
  pages: Parameters<OperationsPager['page']>[0][] = [];
  async page(notice: Parameters<OperationsPager['page']>[0]) {
    this.pages.push(notice);
  }
}

/** Remembers a joined digest on the complaint, as the DynamoDB ledger does on the complaint item. */
export class MemoryStormLedger implements StormLedger {
  constructor(private readonly store: MemoryStore) {}
  breaches = new Map<string, { level: number; dueAt: number }>();
  async countBreaches(level: number, complaintId: string, dueAt: Date, windowMs: number) {
    this.breaches.set(`${level}#${complaintId}`, { level, dueAt: dueAt.getTime() });
    return [...this.breaches.values()].filter(
      (b) => b.level === level && b.dueAt <= dueAt.getTime() && b.dueAt >= dueAt.getTime() - windowMs,
    ).length;
  }
  digests = new Map<
    string,
    { ids: Set<string>; lines: DigestMember[]; sent: boolean; claim?: { token: string; until: number } }
  >();
  async joinDigest(key: string, complaintId: string, line: string) {
    const digest = this.digests.get(key) ?? { ids: new Set<string>(), lines: [], sent: false };
    if ((digest.sent || digest.claim) && !digest.ids.has(complaintId)) return 'sent' as const;
    if (!digest.ids.has(complaintId)) {
      digest.ids.add(complaintId);
      digest.lines.push({ complaintId, line });
    }
    this.digests.set(key, digest);
    const c = this.store.items.get(complaintId)!.complaint;
    c.pendingDigests = [...new Set([...(c.pendingDigests ?? []), key])];
    return 'joined' as const;
  }
  async claimDigest(key: string, claim: StepClaim): Promise<DigestClaim> {
    const digest = this.digests.get(key);
    if (!digest || digest.sent) return { state: 'sent' };
    const held = digest.claim;
    if (held && held.token !== claim.token && held.until >= claim.at.getTime())
      return { state: 'in-flight', until: held.until };
    digest.claim = { token: claim.token, until: claim.at.getTime() + claim.leaseMs };
    return { state: 'claimed', members: [...digest.lines] };
  }
  async markDigestSent(key: string) {
    this.digests.get(key)!.sent = true;
  }
  async releaseDigest(key: string, token: string) {
    const digest = this.digests.get(key)!;
    if (digest.claim?.token === token && !digest.sent) delete digest.claim;
  }
  async forgetDigest(key: string, complaintId: string) {
    const c = this.store.items.get(complaintId)!.complaint;
    c.pendingDigests = (c.pendingDigests ?? []).filter((k) => k !== key);
  }
}

/** The processor's dependencies on the in-memory ports, with the defaults the tests share. */
export function processDeps(
  parts: Pick<ProcessDeps, 'store' | 'timers' | 'clock'> & Partial<ProcessDeps>,
): ProcessDeps {
  return {
    archive: new MemoryRawArchive(),
    operations: new MemoryOperationsPager(),
    policy: DEFAULT_SLA_POLICY,
    threadWindowMinutes: 60,
    vipAuthors: [],
    rawRetentionDays: 30,
    triage: SHIPPED_TRIAGE,
    ...parts,
  };
}

/** A queued event as the ingest Lambda or a poller would enqueue it. */
export function queuedEvent(
  platform: QueuedEvent['platform'],
  type: string,
  payload: unknown,
  receivedAt = new Date('2026-12-05T08:00:00Z'),
): QueuedEvent {
  return { v: 1, platform, type, payload, deliveryId: 'd1', receivedAt: receivedAt.toISOString() };
}
