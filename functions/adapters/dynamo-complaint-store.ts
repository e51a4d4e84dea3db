import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Complaint, Status, TimelineEvent } from '#core/model/complaint.ts';
import { BadRequest } from '#core/model/errors.ts';
import type { Platform, QueuedEvent } from '#core/model/interaction.ts';
import type { ClaimResult, ComplaintStore, ListFilter, Page } from '#core/ports.ts';
import { complaintIdFor } from '#core/use-cases/complaint-id.ts';

/**
 * Single-table design (README § Storage). One item per complaint holds its state *and* its timeline,
 * so every state change and its timeline event are one conditional write (no transactions needed).
 *   pk = C#<id>, sk = C
 *   GSI byStatus:   gsi1pk = STATUS#<status>,             gsi1sk = <ackDueAt|~>#<id>   open by deadline
 *   GSI byPlatform: gsi2pk = PLATFORM#<platform>,         gsi2sk = <receivedAt>#<id>
 *   GSI byAuthor:   gsi3pk = AUTHOR#<platform>#<authorId>, gsi3sk = <receivedAt>#<id>
 *   GSI byReceived: gsi4pk = ALL,                         gsi4sk = <receivedAt>#<id>
 *   GSI byConversation: gsi5pk = CONV#<platform>#<conversationId>, gsi5sk = <receivedAt>#<id>
 *   follow-up alias: pk = C#<id of the follow-up message>, sk = ALIAS → complaintId; tombstone: sk = TOMBSTONE
 */
export const INDEXES = {
  byStatus: { name: 'byStatus', pk: 'gsi1pk', sk: 'gsi1sk' },
  byPlatform: { name: 'byPlatform', pk: 'gsi2pk', sk: 'gsi2sk' },
  byAuthor: { name: 'byAuthor', pk: 'gsi3pk', sk: 'gsi3sk' },
  byReceived: { name: 'byReceived', pk: 'gsi4pk', sk: 'gsi4sk' },
  byConversation: { name: 'byConversation', pk: 'gsi5pk', sk: 'gsi5sk' },
} as const;

/** Queries one list page may spend filling itself before it returns short (with a cursor). */
const MAX_READS_PER_PAGE = 10;

const KEY_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'gsi4pk',
  'gsi4sk',
  'gsi5pk',
  'gsi5sk',
  'timeline',
  'followUps',
];

const key = (id: string) => ({ pk: `C#${id}`, sk: 'C' });
const statusKey = (status: Status, c: Pick<Complaint, 'ackDueAt' | 'id'>) => ({
  gsi1pk: `STATUS#${status}`,
  gsi1sk: `${c.ackDueAt ?? '~'}#${c.id}`,
});

type Item = Record<string, unknown>;

/** What is left of the author of a message deleted on the platform. */
export const DELETED_AUTHOR = { id: 'deleted' };

/** The raw deliveries that carried a complaint's messages, from its timeline. */
function deliveriesOf(timeline: TimelineEvent[], ...types: TimelineEvent['type'][]): string[] {
  return timeline.flatMap((e) =>
    types.includes(e.type) && typeof e.detail['deliveryId'] === 'string' ? [e.detail['deliveryId']] : [],
  );
}

function toComplaint(item: Item): Complaint {
  const complaint = {
    ...item,
    slaSteps: [...((item['slaSteps'] as Set<string> | undefined) ?? [])].sort(),
    pendingDigests: [...((item['pendingDigests'] as Set<string> | undefined) ?? [])].sort(),
  } as Item;
  for (const attribute of KEY_ATTRIBUTES) delete complaint[attribute];
  return complaint as unknown as Complaint;
}

/** DynamoDB TTL (the table's `expiresAt`): epoch seconds. */
function expiresInDays(days: number): number {
  return Math.floor(Date.now() / 1000) + days * 86_400;
}

function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && typeof value.pk === 'string' && typeof value.sk === 'string')
      return value;
  } catch {}
  throw new BadRequest('cursor is not valid: pass the nextCursor of a previous page');
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

/** Builds `SET a = :a, …` for a partial complaint; key attributes never change through here. */
function setClause(changes: Partial<Complaint>, values: Item, names: Record<string, string>): string[] {
  return Object.entries(changes).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return `#${field} = :${field}`;
  });
}

export class DynamoComplaintStore implements ComplaintStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(complaint: Complaint, events: TimelineEvent[]): Promise<boolean> {
    const { slaSteps: _unused, ...rest } = complaint;
    const item: Item = {
      ...rest,
      ...key(complaint.id),
      ...statusKey(complaint.status, complaint),
      gsi2pk: `PLATFORM#${complaint.platform}`,
      gsi2sk: `${complaint.receivedAt}#${complaint.id}`,
      gsi3pk: `AUTHOR#${complaint.platform}#${complaint.author.id}`,
      gsi3sk: `${complaint.receivedAt}#${complaint.id}`,
      gsi4pk: 'ALL',
      gsi4sk: `${complaint.receivedAt}#${complaint.id}`,
      gsi5pk: `CONV#${complaint.platform}#${complaint.conversationId}`,
      gsi5sk: `${complaint.receivedAt}#${complaint.id}`,
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
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async getItem(id: string): Promise<Item | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return Item;
  }

  async get(id: string): Promise<Complaint | null> {
    const item = await this.getItem(id);
    return item ? toComplaint(item) : null;
  }

  async timeline(id: string): Promise<TimelineEvent[]> {
    return ((await this.getItem(id))?.['timeline'] as TimelineEvent[] | undefined) ?? [];
  }

  async list(filter: ListFilter): Promise<Page<Complaint>> {
    // One index per filter: status (by deadline, oldest first), platform or everything (newest first).
    const [index, partition, oldestFirst] = filter.status
      ? [INDEXES.byStatus, `STATUS#${filter.status}`, true]
      : filter.platform
        ? [INDEXES.byPlatform, `PLATFORM#${filter.platform}`, false]
        : [INDEXES.byReceived, 'ALL', false];
    const values: Item = { ':pk': partition };
    const names: Record<string, string> = {};
    const filters: string[] = [];
    if (filter.status && filter.platform) {
      values[':platform'] = filter.platform;
      names['#platform'] = 'platform';
      filters.push('#platform = :platform');
    }
    if (filter.corrected) filters.push('attribute_exists(correctedAt)');
    // DynamoDB applies Limit before the filter, so a filtered page can come back short: keep reading
    // (within a budget) until the page is full, then resume after the last item returned.
    const items: Item[] = [];
    let start = decodeCursor(filter.cursor);
    let reads = 0;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: `${index.pk} = :pk`,
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
    return { items: items.map(toComplaint), nextCursor: encodeCursor(start) };
  }

  async transition(
    id: string,
    from: Status[],
    to: Exclude<Status, 'open'>,
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
    const { gsi1pk, gsi1sk } = statusKey(to, current);
    values[':gsi1pk'] = gsi1pk;
    values[':gsi1sk'] = gsi1sk;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${[...sets, '#status = :to', 'gsi1pk = :gsi1pk', 'gsi1sk = :gsi1sk', 'timeline = list_append(timeline, :event)'].join(', ')}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { changed: true, complaint: toComplaint(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const latest = await this.get(id);
      return latest ? { changed: false, complaint: latest } : null;
    }
  }

  async claimSlaStep(
    id: string,
    step: string,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ): Promise<ClaimResult> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = { ':open': 'open', ':step': step, ':steps': new Set([step]), ':event': [event] };
    const sets = setClause(changes, values, names);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${[...sets, 'timeline = list_append(timeline, :event)'].join(', ')} ADD slaSteps :steps`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :open AND NOT contains(slaSteps, :step)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.get(id);
      if (!current) return 'missing';
      return current.status !== 'open' ? 'not-open' : 'already-fired';
    }
  }

  async applyEdit(id: string, text: string, event: TimelineEvent): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: 'SET #text = :text, timeline = list_append(timeline, :event)',
          // The same edit delivered again changes nothing and records nothing.
          ConditionExpression: 'attribute_exists(pk) AND #text <> :text',
          ExpressionAttributeNames: { '#text': 'text' },
          ExpressionAttributeValues: { ':text': text, ':event': [event] },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getItem(id)) !== undefined;
    }
  }

  async markDeleted(id: string, event: TimelineEvent): Promise<void> {
    try {
      // Deleted on the platform: its words, author and link go (platform terms, privacy law); the ids,
      // times and SLA facts stay, so the numbers still add up.
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression:
            'SET deleted = :true, #text = :empty, author = :author, gsi3pk = :authorKey, timeline = list_append(timeline, :event) REMOVE permalink',
          ConditionExpression: 'attribute_exists(pk) AND deleted = :false',
          ExpressionAttributeNames: { '#text': 'text' },
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ':empty': '',
            ':author': DELETED_AUTHOR,
            ':authorKey': `AUTHOR#deleted`,
            ':event': [event],
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      await this.forgetRaw(
        deliveriesOf((Attributes?.['timeline'] as TimelineEvent[]) ?? [], 'received', 'edited'),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if ((await this.getItem(id)) === undefined) {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: `C#${id}`, sk: 'TOMBSTONE', at: event.at },
          }),
        );
      }
    }
  }

  async redactFollowUp(id: string, externalId: string, event: TimelineEvent): Promise<void> {
    // Read, then write under a condition that the timeline did not move; a concurrent change re-reads.
    for (let attempt = 1; ; attempt++) {
      const timeline = await this.timeline(id);
      const index = timeline.findIndex(
        (e) => e.type === 'follow-up' && e.detail['externalId'] === externalId,
      );
      if (index < 0 || timeline[index]!.detail['deleted']) return;
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key(id),
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
        await this.forgetRaw(deliveriesOf([timeline[index]!], 'follow-up'));
        return;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= 5) throw error;
      }
    }
  }

  private async forgetRaw(deliveryIds: string[]): Promise<void> {
    await Promise.all(
      deliveryIds.map((deliveryId) =>
        this.doc.send(
          new DeleteCommand({ TableName: this.tableName, Key: { pk: `D#${deliveryId}`, sk: 'RAW' } }),
        ),
      ),
    );
  }

  async hasTombstone(id: string): Promise<boolean> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `C#${id}`, sk: 'TOMBSTONE' },
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
        ExpressionAttributeValues: { ':pk': `C#${id}` },
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
        KeyConditionExpression: 'gsi5pk = :pk',
        ExpressionAttributeValues: { ':pk': `CONV#${platform}#${conversationId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toComplaint);
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
      values[':gsi1sk'] = `${changes.ackDueAt}#${id}`;
      sets.push('gsi1sk = :gsi1sk');
    }
    let result: 'added' | 'duplicate' = 'added';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
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
    const complaint = await this.get(id);
    if (complaint) {
      const aliasId = complaintIdFor(complaint.platform, externalId);
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `C#${aliasId}`, sk: 'ALIAS', complaintId: id },
        }),
      );
    }
    return result;
  }

  async update(id: string, changes: Partial<Complaint>, event: TimelineEvent): Promise<Complaint | null> {
    const names: Record<string, string> = {};
    const values: Item = { ':event': [event] };
    const sets = setClause(changes, values, names);
    if ('ackDueAt' in changes) {
      values[':gsi1sk'] = `${changes.ackDueAt ?? '~'}#${id}`;
      sets.push('gsi1sk = :gsi1sk');
    }
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${[...sets, 'timeline = list_append(timeline, :event)'].join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toComplaint(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async countBreaches(windowKey: string, complaintId: string): Promise<number> {
    const Key = { pk: `STORM#${windowKey}`, sk: 'STORM' };
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key,
        UpdateExpression: 'ADD ids :id SET expiresAt = :expires',
        ExpressionAttributeValues: { ':id': new Set([complaintId]), ':expires': expiresInDays(7) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return (Attributes?.['ids'] as Set<string> | undefined)?.size ?? 0;
  }

  async joinDigest(digestKey: string, complaintId: string, line: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `DIGEST#${digestKey}`, sk: 'DIGEST' },
          UpdateExpression:
            'SET #lines = list_append(if_not_exists(#lines, :empty), :line), expiresAt = :expires ADD ids :id',
          ConditionExpression: 'NOT contains(ids, :complaintId)',
          ExpressionAttributeNames: { '#lines': 'lines' },
          ExpressionAttributeValues: {
            ':empty': [],
            ':line': [line],
            ':id': new Set([complaintId]),
            ':complaintId': complaintId,
            ':expires': expiresInDays(7),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // already in it: a retried step
    }
    await this.pendingDigest(complaintId, digestKey, 'ADD');
  }

  private pendingDigest(complaintId: string, digestKey: string, action: 'ADD' | 'DELETE') {
    return this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(complaintId),
        UpdateExpression: `${action} pendingDigests :key`,
        ExpressionAttributeValues: { ':key': new Set([digestKey]) },
      }),
    );
  }

  async settleDigest(digestKey: string, complaintId: string): Promise<string[] | null> {
    let lines: string[] | null = null;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `DIGEST#${digestKey}`, sk: 'DIGEST' },
          UpdateExpression: 'SET sent = :true',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sent)',
          ExpressionAttributeValues: { ':true': true },
          ReturnValues: 'ALL_NEW',
        }),
      );
      lines = (Attributes?.['lines'] as string[] | undefined) ?? [];
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    await this.pendingDigest(complaintId, digestKey, 'DELETE');
    return lines;
  }

  async unsettleDigest(digestKey: string, complaintId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `DIGEST#${digestKey}`, sk: 'DIGEST' },
        UpdateExpression: 'REMOVE sent',
      }),
    );
    await this.pendingDigest(complaintId, digestKey, 'ADD');
  }

  async keepRaw(event: QueuedEvent, days: number): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `D#${event.deliveryId}`,
          sk: 'RAW',
          event: JSON.stringify(event),
          expiresAt: expiresInDays(days),
        },
      }),
    );
  }

  async releaseSlaStep(id: string, step: string): Promise<void> {
    const timeline = await this.timeline(id);
    const index = timeline.findLastIndex((e) => e.detail['step'] === step);
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `DELETE slaSteps :steps${index >= 0 ? ` REMOVE timeline[${index}]` : ''}`,
          ConditionExpression: 'contains(slaSteps, :step)',
          ExpressionAttributeValues: { ':steps': new Set([step]), ':step': step },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  private async count(input: Omit<QueryCommandInput, 'TableName' | 'Select'>): Promise<number> {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ ...input, TableName: this.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async countByStatus() {
    const byStatus = async (status: Status) =>
      this.count({
        IndexName: INDEXES.byStatus.name,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': `STATUS#${status}` },
      });
    const [open, acknowledged, resolved, breached] = await Promise.all([
      byStatus('open'),
      byStatus('acknowledged'),
      byStatus('resolved'),
      this.count({
        IndexName: INDEXES.byReceived.name,
        KeyConditionExpression: 'gsi4pk = :pk',
        FilterExpression: 'breached = :true',
        ExpressionAttributeValues: { ':pk': 'ALL', ':true': true },
      }),
    ]);
    return { open, acknowledged, resolved, breached };
  }
}
