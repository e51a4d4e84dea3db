import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Complaint, Severity, Status, TimelineEvent } from '#core/model/complaint.ts';
import type { Platform } from '#core/model/interaction.ts';
import type {
  ClaimResult,
  ComplaintRepository,
  ListFilter,
  Page,
  StepClaim,
  StepDelivery,
} from '#core/ports.ts';
import type { BusinessCalendar } from '#core/sla/calendar.ts';
import { escalationAfter } from '#core/sla/policy.ts';
import { type Contribution, contribution, contributionDelta } from '#core/stats/counters.ts';
import type { BacklogCounts, CohortCounts } from '#core/stats/summary.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';
import { documentClient, type Item, isConditionFailure, setClause } from './documents.ts';
import {
  cursors,
  INDEXES,
  indexAttributes,
  keys,
  partitions,
  STORAGE_ATTRIBUTES,
  searchText,
  statusSortKey,
} from './keys.ts';

/** The work-queue index: its keys move when the status or the deadline does. */
const STATUS = INDEXES.byStatus;
const ASSIGNEE = INDEXES.byAssignee;

/** Queries one list page may spend filling itself before it returns short (with a cursor). */
const MAX_READS_PER_PAGE = 10;

/** One attribute per claimed SLA step: who claimed it, when (wall clock), and whether it went out. */
const claimAttribute = (step: string) => `claim_${step}`;

/** What is left of the author of a message deleted on the platform. */
export const DELETED_AUTHOR = { id: 'deleted' };

function fromItem(item: Item): Complaint {
  const complaint = {
    ...item,
    slaSteps: [...((item['slaSteps'] as Set<string> | undefined) ?? [])].sort(),
    pendingDigests: [...((item['pendingDigests'] as Set<string> | undefined) ?? [])].sort(),
  } as Item;
  for (const attribute of STORAGE_ATTRIBUTES) delete complaint[attribute];
  // Step claims are storage; what reached whom (and how) is the complaint's slaDelivery.
  const delivery: NonNullable<Complaint['slaDelivery']> = {};
  for (const [attribute, value] of Object.entries(complaint)) {
    if (!attribute.startsWith('claim_')) continue;
    const claim = value as { sent?: boolean; delivery?: NonNullable<Complaint['slaDelivery']>[string] };
    if (claim.sent && claim.delivery) delivery[attribute.slice('claim_'.length)] = claim.delivery;
    delete complaint[attribute];
  }
  if (Object.keys(delivery).length > 0) complaint['slaDelivery'] = delivery;
  return complaint as unknown as Complaint;
}

/** A transaction refused because an item changed since it was read (its condition failed), or raced. */
function isTransactionConflict(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'TransactionCanceledException' || name === 'TransactionConflictException';
}

/** Every month (YYYY-MM) from the month of `since` to that of `until`. */
function monthsBetween(since: string, until: string): string[] {
  const months: string[] = [];
  let [y, m] = since.split('-').map(Number) as [number, number];
  const last = until.slice(0, 7);
  for (let guard = 0; guard < 1200; guard++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return months;
}

/** A counter cell's counts (the numbers beside its keys). */
function countersOf(item: Item): Record<string, number> {
  return Object.fromEntries(
    Object.entries(item).flatMap(([name, value]) =>
      name === 'pk' || name === 'sk' || typeof value !== 'number' ? [] : [[name, value]],
    ),
  );
}

/**
 * How a list is read (README § Storage): the most selective index the filter names — assignee,
 * author, platform, or everything, newest first; a status (or SLA state) by deadline, soonest first —
 * a received-time range in the key condition where the index is sorted by time, and the rest as a
 * filter. Every combination is a Query on an index; none scans the table.
 */
function listPlan(filter: ListFilter) {
  const status: Status | undefined =
    filter.status ??
    (filter.slaState ? (filter.slaState === 'acknowledged' ? 'acknowledged' : 'open') : undefined);
  const byDeadline = status !== undefined && filter.sort !== 'received';
  const [index, partition] = filter.assignee
    ? [INDEXES.byAssignee, partitions.assignee(filter.assignee)]
    : byDeadline
      ? [INDEXES.byStatus, partitions.status(status)]
      : filter.author
        ? [INDEXES.byAuthor, partitions.author(filter.author.platform, filter.author.id)]
        : filter.platform
          ? [INDEXES.byPlatform, partitions.platform(filter.platform)]
          : [INDEXES.byReceived, partitions.received()];
  const values: Item = { ':pk': partition };
  const names: Record<string, string> = {};
  const filters: string[] = [];
  const equals = (field: string, value: unknown) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    filters.push(`#${field} = :${field}`);
  };
  if (status && index !== INDEXES.byStatus) equals('status', status);
  if (filter.platform && index !== INDEXES.byPlatform) equals('platform', filter.platform);
  if (filter.author && index !== INDEXES.byAuthor) {
    values[':authorKey'] = partitions.author(filter.author.platform, filter.author.id);
    filters.push(`${INDEXES.byAuthor.pk} = :authorKey`);
  }
  if (filter.kind) equals('kind', filter.kind);
  if (filter.severity) equals('severity', filter.severity);
  if (filter.corrected) filters.push('attribute_exists(correctedAt)');
  if (filter.slaState === 'breached' || filter.slaState === 'warning' || filter.slaState === 'on_track') {
    values[':true'] = true;
    if (filter.slaState !== 'breached') values[':warning'] = 'warning';
    if (filter.slaState === 'breached') filters.push('breached = :true');
    else if (filter.slaState === 'warning')
      filters.push('breached <> :true AND contains(slaSteps, :warning)');
    else filters.push('breached <> :true AND NOT contains(slaSteps, :warning)');
  }
  if (filter.q) {
    values[':q'] = searchText(filter.q);
    filters.push('contains(searchText, :q)');
  }
  // Sorted by received time: the range is the key condition; by deadline: a filter.
  const from = filter.since ?? '';
  const to = filter.until ? `${filter.until}~` : '~';
  const range = (filter.since !== undefined || filter.until !== undefined) && index !== INDEXES.byStatus;
  if (range) Object.assign(values, { ':from': from, ':to': to });
  else if (filter.since !== undefined || filter.until !== undefined) {
    Object.assign(values, { ':from': from, ':to': to });
    filters.push('receivedAt BETWEEN :from AND :to');
  }
  return { index, oldestFirst: index === INDEXES.byStatus, values, names, filters, range };
}

/** The raw deliveries that carried a complaint's messages, from its timeline. */
function deliveriesOf(timeline: TimelineEvent[], ...types: TimelineEvent['type'][]): string[] {
  return timeline.flatMap((e) =>
    types.includes(e.type) && typeof e.detail['deliveryId'] === 'string' ? [e.detail['deliveryId']] : [],
  );
}

/** The complaint repository on DynamoDB (one item per complaint: its state and its timeline). */
export class DynamoComplaintRepository implements ComplaintRepository {
  private readonly doc: DynamoDBDocumentClient;

  private readonly calendar: BusinessCalendar | null;

  constructor(
    private readonly tableName: string,
    options: { client?: DynamoDBClient; calendar?: BusinessCalendar | null } = {},
  ) {
    this.doc = documentClient(options.client);
    this.calendar = options.calendar ?? null;
  }

  /**
   * Brings the stats counters in line with the complaint's present state (core/stats/counters.ts):
   * the difference from what it last added, in one transaction with the record of what it added, so
   * each change is counted exactly once. Every write calls it, on the retry of a write that already
   * happened too, so a crash between the write and this leaves nothing uncounted.
   */
  private async settleStats(id: string): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const item = await this.getItem(id);
      if (!item) return;
      const applied = (item['statsApplied'] as Contribution[] | undefined) ?? [];
      const desired = contribution(fromItem(item), this.calendar);
      const delta = contributionDelta(applied, desired);
      if (delta.length === 0) return;
      const version = (item['statsVersion'] as number | undefined) ?? 0;
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: keys.complaint(id),
                  UpdateExpression: 'SET statsApplied = :desired, statsVersion = :next',
                  ConditionExpression:
                    version === 0 ? 'attribute_not_exists(statsVersion)' : 'statsVersion = :version',
                  ExpressionAttributeValues: {
                    ':desired': desired,
                    ':next': version + 1,
                    ...(version === 0 ? {} : { ':version': version }),
                  },
                },
              },
              ...delta.map(({ cell, counters }) => {
                const names = Object.keys(counters);
                return {
                  Update: {
                    TableName: this.tableName,
                    Key: keys.statsCell(cell),
                    UpdateExpression: `ADD ${names.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
                    ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#c${i}`, n])),
                    ExpressionAttributeValues: Object.fromEntries(
                      names.map((n, i) => [`:c${i}`, counters[n]]),
                    ),
                  },
                };
              }),
            ],
          }),
        );
        return;
      } catch (error) {
        // Another writer settled this complaint meanwhile: read again and settle what is left.
        if (!isTransactionConflict(error)) throw error;
      }
    }
    throw new Error(`stats of complaint ${id} kept changing under 8 attempts to count them`);
  }

  /** The counters of the cohorts received from `since` to `until` (days), and the open backlog. */
  async statsCounts(
    since: string,
    until: string,
  ): Promise<{ cohorts: CohortCounts[]; backlog: BacklogCounts[] }> {
    const cohorts: CohortCounts[] = [];
    for (const month of monthsBetween(since, until)) {
      for (const item of await this.queryAll(keys.statsMonth(month))) {
        const [dd, platform, severity] = String(item['sk']).split('#') as [string, Platform, Severity];
        cohorts.push({ day: `${month}-${dd}`, platform, severity, counters: countersOf(item) });
      }
    }
    const backlog = (await this.queryAll(keys.statsBacklog())).map((item) => {
      const [platform, severity] = String(item['sk']).split('#') as [Platform, Severity];
      return { platform, severity, open: Number(item['open'] ?? 0) };
    });
    return { cohorts, backlog };
  }

  private async queryAll(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async create(complaint: Complaint, events: TimelineEvent[]): Promise<boolean> {
    const { slaSteps: _unused, ...rest } = complaint;
    const item: Item = {
      ...rest,
      ...keys.complaint(complaint.id),
      ...indexAttributes(complaint),
      timeline: events,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await this.settleStats(complaint.id);
      return false;
    }
    await this.settleStats(complaint.id);
    return true;
  }

  private async getItem(id: string): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.complaint(id), ConsistentRead: true }),
    );
    return Item;
  }

  async get(id: string): Promise<Complaint | null> {
    const item = await this.getItem(id);
    return item ? fromItem(item) : null;
  }

  async timeline(id: string): Promise<TimelineEvent[]> {
    return ((await this.getItem(id))?.['timeline'] as TimelineEvent[] | undefined) ?? [];
  }

  async list(filter: ListFilter): Promise<Page<Complaint>> {
    const plan = listPlan(filter);
    const { index, oldestFirst, values, names, filters } = plan;
    const keyCondition = plan.range
      ? `${index.pk} = :pk AND ${index.sk} BETWEEN :from AND :to`
      : `${index.pk} = :pk`;
    // DynamoDB applies Limit before the filter, so a filtered page can come back short: keep reading
    // (within a budget) until the page is full, then resume after the last item returned.
    const items: Item[] = [];
    let start = cursors.decode(filter.cursor);
    let reads = 0;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: keyCondition,
          ScanIndexForward: oldestFirst,
          FilterExpression: filters.length ? filters.join(' AND ') : undefined,
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          Limit: filter.limit,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < filter.limit && ++reads < MAX_READS_PER_PAGE);
    if (items.length > filter.limit) {
      items.length = filter.limit;
      const last = items[filter.limit - 1]!;
      start = { pk: last['pk'], sk: last['sk'], [index.pk]: last[index.pk], [index.sk]: last[index.sk] };
    }
    return { items: items.map(fromItem), nextCursor: cursors.encode(start) };
  }

  async transition(
    id: string,
    from: Status[],
    to: Status,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ) {
    const current = await this.get(id);
    if (!current) return null;
    if (!from.includes(current.status)) return { changed: false, complaint: current };
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = {
      ':to': to,
      ':event': [event],
      ...Object.fromEntries(from.map((s, i) => [`:from${i}`, s])),
    };
    const sets = setClause(changes, values, names);
    values[':statusKey'] = partitions.status(to);
    // A reopen sets a new deadline: the work queue sorts by the one the complaint will have.
    values[':statusSort'] = statusSortKey({ ...current, ...changes });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression: `SET ${[...sets, '#status = :to', `${STATUS.pk} = :statusKey`, `${STATUS.sk} = :statusSort`, 'timeline = list_append(timeline, :event)'].join(', ')}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      await this.settleStats(id);
      await this.settleStats(id);
      return { changed: true, complaint: fromItem(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await this.settleStats(id);
      const latest = await this.get(id);
      return latest ? { changed: false, complaint: latest } : null;
    }
  }

  async claimSlaStep(
    id: string,
    step: string,
    changes: Partial<Complaint>,
    event: TimelineEvent,
    claim: StepClaim,
  ): Promise<ClaimResult> {
    const result = await this.claimStep(id, step, changes, event, claim);
    if (result !== 'missing') await this.settleStats(id);
    return result;
  }

  private async claimStep(
    id: string,
    step: string,
    changes: Partial<Complaint>,
    event: TimelineEvent,
    claim: StepClaim,
  ): Promise<ClaimResult> {
    const record = { token: claim.token, at: claim.at.getTime(), sent: false };
    const names: Record<string, string> = { '#status': 'status', '#claim': claimAttribute(step) };
    const values: Item = { ':open': 'open', ':event': [event], ':claim': record };
    const sets = setClause(changes, values, names);
    // A claim released between our failed attempt and our read (its attempt failed before paging)
    // is free again: try once more rather than page without holding it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.complaint(id),
            UpdateExpression: `SET ${[...sets, '#claim = :claim', 'timeline = list_append(timeline, :event)'].join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND #status = :open AND attribute_not_exists(#claim)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'claimed';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const item = await this.getItem(id);
      if (!item) return 'missing';
      if (item['status'] !== 'open') return 'not-open';
      const current = item[claimAttribute(step)] as typeof record | undefined;
      if (current) return this.existingClaim(id, step, current, record, claim);
      // Still free after three tries: another attempt is claiming and releasing; look again later.
      if (attempt >= 3) return 'in-flight';
    }
  }

  /** Someone holds the step's claim: ours (a retried request), sent, in its lease, or dead and taken over. */
  private async existingClaim(
    id: string,
    step: string,
    current: { token: string; at: number; sent: boolean },
    record: { token: string; at: number; sent: boolean },
    claim: StepClaim,
  ): Promise<ClaimResult> {
    // Our own claim, applied although its response was lost (the SDK retried it): it is ours.
    if (current.token === claim.token) return 'claimed';
    if (current.sent) return 'already-fired';
    if (current.at + claim.leaseMs > claim.at.getTime()) return 'in-flight';
    // The attempt that claimed it died before paging: take the claim over, once.
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression: 'SET #claim = :claim',
          ConditionExpression: '#status = :open AND #claim.#token = :old AND #claim.sent = :false',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#claim': claimAttribute(step),
            '#token': 'token',
          },
          ExpressionAttributeValues: {
            ':open': 'open',
            ':claim': record,
            ':old': current.token,
            ':false': false,
          },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return 'in-flight';
    }
  }

  async markStepSent(id: string, step: string, token: string, delivery: StepDelivery): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          // slaSteps lists the steps that went out (what `heed sla explain` reports as sent).
          UpdateExpression: 'SET #claim.sent = :true, #claim.delivery = :delivery ADD slaSteps :steps',
          ConditionExpression: '#claim.#token = :token',
          ExpressionAttributeNames: { '#claim': claimAttribute(step), '#token': 'token' },
          ExpressionAttributeValues: {
            ':true': true,
            ':token': token,
            ':steps': new Set([step]),
            ':delivery': delivery,
          },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error; // taken over after our lease: theirs now
      });
    await this.settleStats(id);
  }

  async applyEdit(id: string, text: string, event: TimelineEvent): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression:
            'SET #text = :text, searchText = :search, timeline = list_append(timeline, :event)',
          // The same edit delivered again changes nothing and records nothing.
          ConditionExpression: 'attribute_exists(pk) AND #text <> :text',
          ExpressionAttributeNames: { '#text': 'text' },
          ExpressionAttributeValues: { ':text': text, ':search': searchText(text), ':event': [event] },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getItem(id)) !== undefined;
    }
  }

  async markDeleted(id: string, event: TimelineEvent): Promise<string[]> {
    const current = await this.get(id);
    if (!current) {
      // The delete overtook the create: leave a tombstone, so the create is stored as deleted.
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { ...keys.tombstone(id), at: event.at } }),
      );
      return [];
    }
    try {
      // Deleted on the platform: its words, author and link go (platform terms, privacy law); the ids,
      // times and SLA facts stay, so the numbers still add up.
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression: `SET deleted = :true, #text = :empty, author = :author, ${INDEXES.byAuthor.pk} = :authorKey, timeline = list_append(timeline, :event) REMOVE permalink, searchText`,
          ConditionExpression: 'attribute_exists(pk) AND deleted = :false',
          ExpressionAttributeNames: { '#text': 'text' },
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ':empty': '',
            ':author': DELETED_AUTHOR,
            ':authorKey': partitions.author(current.platform, DELETED_AUTHOR.id),
            ':event': [event],
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return deliveriesOf((Attributes?.['timeline'] as TimelineEvent[]) ?? [], 'received', 'edited');
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return []; // deleted before: a redelivered delete
    }
  }

  async redactFollowUp(id: string, externalId: string, event: TimelineEvent): Promise<string[]> {
    // Read, then write under a condition that the timeline did not move; a concurrent change re-reads.
    for (let attempt = 1; ; attempt++) {
      const timeline = await this.timeline(id);
      const index = timeline.findIndex(
        (e) => e.type === 'follow-up' && e.detail['externalId'] === externalId,
      );
      if (index < 0 || timeline[index]!.detail['deleted']) return [];
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.complaint(id),
            // Setting past the end appends (list_append would overlap the redacted entry's path).
            UpdateExpression: `SET timeline[${index}].detail.#text = :empty, timeline[${index}].detail.deleted = :true, timeline[${timeline.length}] = :event`,
            ConditionExpression: `timeline[${index}].detail.externalId = :externalId AND size(timeline) = :length`,
            ExpressionAttributeNames: { '#text': 'text' },
            ExpressionAttributeValues: {
              ':empty': '',
              ':true': true,
              ':externalId': externalId,
              ':event': event,
              ':length': timeline.length,
            },
          }),
        );
        return deliveriesOf([timeline[index]!], 'follow-up');
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= 5) throw error;
      }
    }
  }

  async hasTombstone(id: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.tombstone(id),
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  async resolveMessage(platform: Platform, externalId: string): Promise<string | null> {
    const id = complaintIdFor(platform, externalId);
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.complaintPartition(id) },
        ConsistentRead: true,
      }),
    );
    if (Items.some((i) => i['sk'] === 'C')) return id;
    const alias = Items.find((i) => i['sk'] === 'ALIAS');
    return alias ? String(alias['complaintId']) : null;
  }

  async findInConversation(platform: Platform, conversationId: string, limit: number): Promise<Complaint[]> {
    const { Items = [] } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEXES.byConversation.name,
        KeyConditionExpression: `${INDEXES.byConversation.pk} = :pk`,
        ExpressionAttributeValues: { ':pk': partitions.conversation(platform, conversationId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(fromItem);
  }

  async addFollowUp(
    id: string,
    externalId: string,
    changes: Partial<Pick<Complaint, 'severity' | 'ackDueAt' | 'timerGeneration'>>,
    event: TimelineEvent,
  ): Promise<'added' | 'duplicate' | 'not-open'> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = {
      ':open': 'open',
      ':ext': externalId,
      ':exts': new Set([externalId]),
      ':event': [event],
    };
    const sets = setClause(changes, values, names);
    if (changes.ackDueAt) {
      values[':statusSort'] = statusSortKey({ ackDueAt: changes.ackDueAt, id });
      sets.push(`${STATUS.sk} = :statusSort`);
    }
    let result: 'added' | 'duplicate' = 'added';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression: `SET ${[...sets, 'timeline = list_append(timeline, :event)'].join(', ')} ADD followUps :exts`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :open AND NOT contains(followUps, :ext)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getItem(id);
      if (!(current?.['followUps'] as Set<string> | undefined)?.has(externalId)) return 'not-open';
      result = 'duplicate';
    }
    // Written after the follow-up (and again on a duplicate), so a crash in between heals on redelivery.
    await this.settleStats(id);
    const complaint = await this.get(id);
    if (complaint) {
      const aliasId = complaintIdFor(complaint.platform, externalId);
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.alias(aliasId), complaintId: id },
        }),
      );
    }
    return result;
  }

  async updateIf(
    id: string,
    expected: Partial<Complaint>,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ) {
    const names: Record<string, string> = {};
    const values: Item = { ':event': [event] };
    const sets = setClause(changes, values, names);
    const conditions = Object.entries(expected).map(([field, value], i) => {
      names[`#x${i}`] = field;
      if (value === null || value === undefined) return `(attribute_not_exists(#x${i}) OR #x${i} = :null)`;
      values[`:x${i}`] = value;
      return `#x${i} = :x${i}`;
    });
    if (Object.values(expected).some((v) => v === null || v === undefined)) values[':null'] = null;
    // The assignee index follows the assignee (sparse: nobody's complaints are not in it); its sort
    // key is the received one, copied from the byReceived index's.
    // The work queue's sort key follows the deadline.
    if ('ackDueAt' in changes) {
      values[':statusSort'] = statusSortKey({ ackDueAt: changes.ackDueAt ?? null, id });
      sets.push(`${STATUS.sk} = :statusSort`);
    }
    const removes: string[] = [];
    if ('assignee' in changes) {
      if (changes.assignee) {
        values[':assigneeKey'] = partitions.assignee(changes.assignee);
        sets.push(`${ASSIGNEE.pk} = :assigneeKey`, `${ASSIGNEE.sk} = ${INDEXES.byReceived.sk}`);
      } else removes.push(ASSIGNEE.pk, ASSIGNEE.sk);
    }
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          UpdateExpression: `SET ${[...sets, 'timeline = list_append(timeline, :event)'].join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: ['attribute_exists(pk)', ...conditions].join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      await this.settleStats(id);
      return { changed: true, complaint: fromItem(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.get(id);
      return current ? { changed: false, complaint: current } : null;
    }
  }

  async releaseSlaStep(id: string, step: string, token: string): Promise<void> {
    const item = await this.getItem(id);
    if (!item) return;
    const timeline = (item['timeline'] as TimelineEvent[]) ?? [];
    const index = timeline.findLastIndex((e) => e.detail['step'] === step);
    // The level and breach follow the steps that really went out, not the one taken back.
    const { escalationLevel, breached } = escalationAfter(
      [...((item['slaSteps'] as Set<string>) ?? [])],
      step,
    );
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.complaint(id),
          // Only our own claim, and only the timeline entry of this step (another writer may have moved it).
          UpdateExpression: `SET escalationLevel = :level, breached = :breached REMOVE #claim${index >= 0 ? `, timeline[${index}]` : ''}`,
          ConditionExpression: `#claim.#token = :token AND #claim.sent = :false${index >= 0 ? ` AND timeline[${index}].detail.#step = :step` : ''}`,
          ExpressionAttributeNames: {
            '#claim': claimAttribute(step),
            '#token': 'token',
            ...(index >= 0 ? { '#step': 'step' } : {}),
          },
          ExpressionAttributeValues: {
            ':false': false,
            ':token': token,
            ':level': escalationLevel,
            ':breached': breached,
            ...(index >= 0 ? { ':step': step } : {}),
          },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    await this.settleStats(id);
  }
}
