import * as z from 'zod';
import {
  type Complaint,
  Kind,
  Severity,
  Status,
  type TimelineEvent,
  TimelineEventType,
} from '#core/model/complaint.ts';
import { Author, Channel, Platform } from '#core/model/interaction.ts';
import type { Page } from '#core/ports.ts';
import type { Stats } from '#core/stats/summary.ts';

/**
 * What the API answers, as zod schemas: the OpenAPI document describes each route's 200 with its
 * schema, and the route tests parse every answer with it (strict: a field the document does not
 * name fails the test). The `Same<…>` checks below fail to compile when a schema and the core's
 * type drift apart, so the description cannot quietly go stale.
 */
const Instant = z.string().meta({ description: 'ISO 8601, UTC' });

export const ComplaintOut = z
  .strictObject({
    id: z.string().meta({ example: 'c_5f3c2a1b9d8e7f6a5b4c3d2e1f' }),
    platform: Platform,
    channel: Channel,
    externalId: z.string().meta({ description: 'The message id on its platform' }),
    conversationId: z.string(),
    author: Author,
    text: z.string(),
    permalink: z.string().optional(),
    test: z.boolean().meta({ description: 'A platform test delivery (no clock runs)' }),
    deleted: z.boolean(),
    createdAt: Instant,
    receivedAt: Instant,
    kind: Kind,
    complaintProbability: z.number(),
    sentiment: z.number(),
    severity: Severity,
    reasons: z.array(z.string()),
    status: Status,
    ackDueAt: Instant.nullable().meta({ description: 'The acknowledgement deadline; null: no clock runs' }),
    acknowledgedAt: Instant.nullable(),
    acknowledgedBy: z
      .strictObject({ by: z.string(), via: z.enum(['api', 'brand-reply']), at: Instant })
      .nullable(),
    resolvedAt: Instant.nullable(),
    escalationLevel: z.number().int(),
    breached: z.boolean(),
    reproach: z.string().optional(),
    correctedAt: Instant.optional(),
    correctedBy: z.string().optional(),
    pendingDigests: z.array(z.string()).optional(),
    slaSteps: z.array(z.string()).meta({ description: 'SLA steps whose page went out (warning, L1, …)' }),
    slaDelivery: z
      .record(
        z.string(),
        z.strictObject({ via: z.enum(['page', 'digest']), digest: z.string().optional(), at: Instant }),
      )
      .optional(),
    timerGeneration: z.number().int().optional(),
    assignee: z.string().nullable().optional(),
    assignedAt: Instant.optional(),
    firstResponseAt: Instant.optional(),
    firstAckDueAt: Instant.optional(),
    reopenedAt: Instant.optional(),
  })
  .meta({ id: 'Complaint' });

const TimelineEventOut = z.strictObject({
  at: Instant,
  type: TimelineEventType,
  detail: z
    .record(z.string(), z.unknown())
    .meta({ description: 'Who and why (by, note, from, to, step, …)' }),
});

export const ComplaintWithTimeline = ComplaintOut.extend({ timeline: z.array(TimelineEventOut) }).meta({
  id: 'ComplaintWithTimeline',
});

export const ComplaintPage = z
  .strictObject({
    items: z.array(ComplaintOut),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null: the last page' }),
  })
  .meta({ id: 'ComplaintPage' });

export const BulkAckResult = z.strictObject({
  acknowledged: z.number().int(),
  results: z.array(
    z.strictObject({
      id: z.string(),
      outcome: z.enum(['acknowledged', 'not_found', 'conflict']),
      status: Status.optional(),
    }),
  ),
});

const Percentiles = z.strictObject({ p50Minutes: z.number().nullable(), p90Minutes: z.number().nullable() });
const Summary = z
  .strictObject({
    received: z.number().int().meta({ description: 'Complaints that needed a response' }),
    responded: z.number().int(),
    respondedWithinTarget: z.number().int(),
    responseRate: z.number().nullable().meta({ description: 'responded / received' }),
    withinTargetRate: z.number().nullable(),
    breached: z.number().int(),
    breachRate: z.number().nullable(),
    timeToAcknowledge: Percentiles.extend({ business: Percentiles }),
    escalations: z.record(z.string(), z.number().int()).meta({ description: 'Sent, by level (L1, L2, …)' }),
  })
  .meta({ id: 'Summary' });

export const StatsOut = z
  .strictObject({
    since: z.string(),
    until: z.string(),
    platform: Platform.optional(),
    severity: Severity.optional(),
    overall: Summary,
    byPlatform: z.record(z.string(), Summary),
    bySeverity: z.record(Severity, Summary),
    daily: z.array(Summary.extend({ day: z.string() })),
    backlog: z.strictObject({
      open: z.number().int(),
      bySeverity: z.record(Severity, z.number().int()),
    }),
  })
  .meta({ id: 'Stats' });

export const CsvOut = z.string().meta({ description: 'RFC 4180 CSV with a header row' });
export const OpenApiOut = z.record(z.string(), z.unknown()).meta({ description: 'An OpenAPI 3.1 document' });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Each line fails to compile when the schema above and the core's type no longer describe the same thing.
export const SCHEMAS_MATCH_THE_CORE: [
  Same<z.infer<typeof ComplaintOut>, Complaint>,
  Same<z.infer<typeof TimelineEventOut>, TimelineEvent>,
  Same<z.infer<typeof ComplaintPage>, Page<Complaint>>,
  Same<z.infer<typeof StatsOut>, Stats>,
] = [true, true, true, true];
