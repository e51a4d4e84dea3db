import type { Complaint, Status } from '#core/model/complaint.ts';
import { BadRequest } from '#core/model/errors.ts';
import type { Platform } from '#core/model/interaction.ts';
import type { StatsCell } from '#core/stats/counters.ts';

/**
 * The table's key formats, indexes and cursor codec, defined once: the repositories build every key
 * here and the table construct (lib/constructs/complaints-table.ts) creates the indexes listed here.
 * Single-table design (README § Storage):
 *   complaint          pk = C#<id>           sk = C         (state and timeline in one item)
 *   follow-up alias    pk = C#<message id>   sk = ALIAS     → the complaint it joined
 *   tombstone          pk = C#<id>           sk = TOMBSTONE (a delete that arrived first)
 *   raw delivery       pk = D#<deliveryId>   sk = RAW       (TTL)
 *   unhandled delivery pk = U#<source>       sk = <receivedAt>#<deliveryId> (TTL; `heed reprocess` reads a source's)
 *   storm breach       pk = STORM#L<level>   sk = <dueAt>#<id> (TTL)
 *   storm digest       pk = DIGEST#<key>     sk = DIGEST    (TTL)
 *   stats cohort       pk = STATS#<yyyy-mm>  sk = <dd>#<platform>#<severity> (counters, core/stats)
 *   stats backlog      pk = STATS#BACKLOG    sk = <platform>#<severity>      (open now)
 *   listener           pk = LISTEN#<id>      sk = CHECKPOINT (a feed's or a search's checkpoint)
 */
export const INDEXES = {
  /** Open complaints by deadline (the work queue); other statuses likewise. */
  byStatus: { name: 'byStatus', pk: 'gsi1pk', sk: 'gsi1sk' },
  byPlatform: { name: 'byPlatform', pk: 'gsi2pk', sk: 'gsi2sk' },
  /** An author's complaints (GET /complaints?author=<platform>:<id>). */
  byAuthor: { name: 'byAuthor', pk: 'gsi3pk', sk: 'gsi3sk' },
  byReceived: { name: 'byReceived', pk: 'gsi4pk', sk: 'gsi4sk' },
  /** Threading: the recent complaints of a conversation. */
  byConversation: { name: 'byConversation', pk: 'gsi5pk', sk: 'gsi5sk' },
  /** An agent's complaints (GET /complaints?assignee=…), newest first; sparse: only assigned ones. */
  byAssignee: { name: 'byAssignee', pk: 'gsi6pk', sk: 'gsi6sk' },
} as const;
export type IndexName = keyof typeof INDEXES;

/** The time-to-live attribute (epoch seconds) of expiring items. */
export const TTL_ATTRIBUTE = 'expiresAt';

type Key = { pk: string; sk: string };

export const keys = {
  complaint: (id: string): Key => ({ pk: `C#${id}`, sk: 'C' }),
  /** All items of a complaint id (its own, an alias, a tombstone): one query. */
  complaintPartition: (id: string) => `C#${id}`,
  alias: (messageComplaintId: string): Key => ({ pk: `C#${messageComplaintId}`, sk: 'ALIAS' }),
  tombstone: (id: string): Key => ({ pk: `C#${id}`, sk: 'TOMBSTONE' }),
  raw: (deliveryId: string): Key => ({ pk: `D#${deliveryId}`, sk: 'RAW' }),
  unhandled: (source: string, receivedAt: string, deliveryId: string): Key => ({
    pk: `U#${source}`,
    sk: `${receivedAt}#${deliveryId}`,
  }),
  unhandledPartition: (source: string) => `U#${source}`,
  /** One item per breach, sorted by due time within its level: the storm guard counts a range. */
  stormBreach: (level: number, dueAt: Date, complaintId: string): Key => ({
    pk: `STORM#L${level}`,
    sk: `${dueAt.toISOString()}#${complaintId}`,
  }),
  stormPartition: (level: number) => `STORM#L${level}`,
  digest: (digestKey: string): Key => ({ pk: `DIGEST#${digestKey}`, sk: 'DIGEST' }),
  listener: (id: string): Key => ({ pk: `LISTEN#${id}`, sk: 'CHECKPOINT' }),
  /** A month's cohort cells sit in one partition: a stats call reads one query per month. */
  statsCell: (cell: StatsCell): Key =>
    cell.kind === 'cohort'
      ? {
          pk: `STATS#${cell.day.slice(0, 7)}`,
          sk: `${cell.day.slice(8, 10)}#${cell.platform}#${cell.severity}`,
        }
      : { pk: 'STATS#BACKLOG', sk: `${cell.platform}#${cell.severity}` },
  statsMonth: (month: string) => `STATS#${month}`,
  statsBacklog: () => 'STATS#BACKLOG',
};

/** Partition values of the indexes, for queries. */
export const partitions = {
  status: (status: Status) => `STATUS#${status}`,
  platform: (platform: Platform) => `PLATFORM#${platform}`,
  author: (platform: Platform, authorId: string) => `AUTHOR#${platform}#${authorId}`,
  received: () => 'ALL',
  conversation: (platform: Platform, conversationId: string) => `CONV#${platform}#${conversationId}`,
  assignee: (assignee: string) => `ASSIGNEE#${assignee}`,
};

/** Sort key of the status index: by deadline (no deadline sorts last). */
export const statusSortKey = (c: Pick<Complaint, 'ackDueAt' | 'id'>) => `${c.ackDueAt ?? '~'}#${c.id}`;

/** Every index attribute of a complaint, as it is written. */
export function indexAttributes(c: Complaint): Record<string, string> {
  const byTime = `${c.receivedAt}#${c.id}`;
  return {
    ...(c.assignee ? { gsi6pk: partitions.assignee(c.assignee), gsi6sk: byTime } : {}),
    searchText: searchText(c.text),
    gsi1pk: partitions.status(c.status),
    gsi1sk: statusSortKey(c),
    gsi2pk: partitions.platform(c.platform),
    gsi2sk: byTime,
    gsi3pk: partitions.author(c.platform, c.author.id),
    gsi3sk: byTime,
    gsi4pk: partitions.received(),
    gsi4sk: byTime,
    gsi5pk: partitions.conversation(c.platform, c.conversationId),
    gsi5sk: byTime,
  };
}

/** What `q` matches: the text in lower case (DynamoDB's contains() is case-sensitive). */
export const searchText = (text: string) => text.toLowerCase();

/** Attributes that are storage, not part of a complaint. */
export const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk]),
  'timeline',
  'followUps',
  'searchText',
  // What the complaint last added to the stats counters, and the version guarding it.
  'statsApplied',
  'statsVersion',
];

/** Opaque page cursors: the last evaluated key, base64url JSON. */
export const cursors = {
  encode(key: Record<string, unknown> | undefined): string | null {
    return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
  },
  decode(cursor: string | undefined): Record<string, unknown> | undefined {
    if (!cursor) return undefined;
    try {
      const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (value && typeof value === 'object' && typeof value.pk === 'string' && typeof value.sk === 'string')
        return value;
    } catch {}
    throw new BadRequest('cursor is not valid: pass the nextCursor of a previous page');
  },
};

/** DynamoDB TTL values are epoch seconds. */
export const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);
