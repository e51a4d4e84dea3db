import * as z from 'zod';
import type { Author, Channel, Platform } from './interaction.ts';

export const Kind = z.enum(['complaint', 'question', 'praise', 'spam', 'other']);
export type Kind = z.infer<typeof Kind>;
export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_ORDER: readonly Severity[] = Severity.options;
/** The training data's severity scale, level 1 to 4: the reproach behind a complaint. */
export const REPROACH_LEVELS = ['no explicit reproach', 'disapproval', 'accusation', 'blame'] as const;
export const Status = z.enum(['open', 'acknowledged', 'resolved']);
export type Status = z.infer<typeof Status>;

/** 1 no explicit reproach … 4 blame: the training data's scale. */
const ReproachLevel = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);

/** An agent's correction of the triage (recorded in the timeline; the SLA follows it). */
export const Correction = z
  .object({
    kind: Kind.optional(),
    severity: Severity.optional(),
    reproach: ReproachLevel.optional(),
    note: z.string().max(2000).optional(),
    /**
     * Correct only while the triage is still what the agent saw (any of kind, severity, reproach),
     * else 409: two agents correcting at once cannot overwrite each other unseen.
     */
    expected: z
      .object({
        kind: Kind.optional(),
        severity: Severity.optional(),
        reproach: ReproachLevel.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => c.kind || c.severity || c.reproach, 'give at least one of kind, severity, reproach');
export type Correction = z.infer<typeof Correction>;

export interface Triage {
  kind: Kind;
  complaintProbability: number;
  sentiment: number;
  severity: Severity;
  reasons: string[];
}

export interface Acknowledgement {
  /** `api:<caller>` for a manual ack, `<platform>:<externalId>` for a brand reply seen on the platform. */
  by: string;
  via: 'api' | 'brand-reply';
  at: string;
}

/** A stored customer message and its SLA state, as the API returns it. */
export interface Complaint extends Triage {
  id: string;
  platform: Platform;
  channel: Channel;
  externalId: string;
  conversationId: string;
  author: Author;
  text: string;
  permalink?: string;
  test: boolean;
  deleted: boolean;
  createdAt: string;
  receivedAt: string;
  status: Status;
  /** Null when the kind is not actionable (no clock runs). */
  ackDueAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: Acknowledgement | null;
  resolvedAt: string | null;
  escalationLevel: number;
  breached: boolean;
  /** Reproach level behind the severity (the training data's severity scale). */
  reproach?: string;
  correctedAt?: string;
  correctedBy?: string;
  /** Storm digests this complaint joined and must help send. */
  pendingDigests?: string[];
  /** SLA steps whose page (or digest line) went out (warning, L1, …): each exactly once. */
  slaSteps: string[];
  /** How each of them went out (what `heed sla explain` tells). */
  slaDelivery?: Record<string, { via: 'page' | 'digest'; digest?: string; at: string }>;
  /** Which timer runs the current deadline (core/sla/timers.ts); absent on complaints stored before it: 0. */
  timerGeneration?: number;
  /** Who works it (an agent's e-mail or name), and since when; null or absent: nobody yet. */
  assignee?: string | null;
  assignedAt?: string;
  /** Kept by a reopen: the first response and the deadline it was measured against (for the stats). */
  firstResponseAt?: string;
  firstAckDueAt?: string;
  reopenedAt?: string;
}

export const TimelineEventType = z.enum([
  'received',
  'classified',
  'edited',
  'follow-up',
  'corrected',
  'deleted',
  'sla-warning',
  'breached',
  'escalated',
  'acknowledged',
  'resolved',
  'reopened',
  'assigned',
]);
export type TimelineEventType = z.infer<typeof TimelineEventType>;

export interface TimelineEvent {
  at: string;
  type: TimelineEventType;
  detail: Record<string, unknown>;
}
