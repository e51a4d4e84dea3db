import { ZodError } from 'zod';
import {
  type Complaint,
  SEVERITY_ORDER,
  type Severity,
  type TimelineEvent,
  type Triage,
} from '../model/complaint.ts';
import { PoisonEvent } from '../model/errors.ts';
import {
  type Interaction,
  type Platform,
  type QueuedEvent,
  REVOCATION_EVENT,
  RevocationPayload,
  UNHANDLED_EVENT,
} from '../model/interaction.ts';
import { type Normalizer, parserForPlatform } from '../platforms/normalizers.ts';
import type {
  Clock,
  ComplaintRepository,
  OperationsPager,
  RawArchive,
  ResourceFetcher,
  SentenceEncoder,
  SlaTimers,
} from '../ports.ts';
import { ackDueAt, type SlaPolicy } from '../sla/policy.ts';
import { ensureTimer, nextTimerGeneration, stopTimers } from '../sla/timers.ts';
import { PLATFORM_SPECS } from '../sources.ts';
import type { TriageClassifier } from '../triage/classifier.ts';
import { trimText } from './advance-sla.ts';
import { complaintIdFor } from './complaint-id.ts';

export interface ProcessDeps {
  store: ComplaintRepository;
  archive: RawArchive;
  timers: SlaTimers;
  operations: OperationsPager;
  clock: Clock;
  policy: SlaPolicy;
  /** A follow-up by the same author in the same conversation within this window joins the open complaint. */
  threadWindowMinutes: number;
  vipAuthors: readonly string[];
  /** How long raw deliveries are kept for re-processing (DynamoDB TTL). */
  rawRetentionDays: number;
  /** The trained triage model (the processor reads it at its first batch; tools use triage/shipped.ts). */
  triage: TriageClassifier;
  /** The sentence encoder triage stacks with its n-gram cues; without one, the cues decide alone. */
  encoder?: SentenceEncoder;
  /** "Starts a clock" from this complaint probability on (the stage's); default: the model's. */
  complaintThreshold?: number;
  /** Fetches what a platform's events only point at (Google reviews), per platform. */
  resources?: Partial<Record<Platform, ResourceFetcher>>;
}

export type ProcessOutcome =
  | {
      complaintId: string;
      result: 'created' | 'duplicate' | 'follow-up' | 'acknowledged' | 'brand-reply' | 'edited' | 'deleted';
    }
  /** An unhandled delivery archived for `heed reprocess`; an intake revocation paged to operations. */
  | { complaintId?: undefined; result: 'kept' | 'revoked' };

function toComplaint(
  interaction: Interaction,
  triage: Triage,
  receivedAt: string,
  policy: SlaPolicy,
): Complaint {
  const base = { platform: interaction.platform, severity: triage.severity, kind: triage.kind, receivedAt };
  return {
    id: complaintIdFor(interaction.platform, interaction.externalId),
    platform: interaction.platform,
    channel: interaction.channel,
    externalId: interaction.externalId,
    conversationId: interaction.conversationId,
    author: interaction.author,
    text: interaction.text,
    permalink: interaction.permalink,
    test: interaction.test,
    deleted: false,
    createdAt: interaction.createdAt,
    receivedAt,
    ...triage,
    status: 'open',
    ackDueAt: ackDueAt(policy, base),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    escalationLevel: 0,
    breached: false,
    slaSteps: [],
    timerGeneration: 0,
  };
}

const higher = (a: Severity, b: Severity) => (SEVERITY_ORDER.indexOf(b) > SEVERITY_ORDER.indexOf(a) ? b : a);

/**
 * The complaints a message belongs to: the one it replies to (directly or through an earlier
 * follow-up), else the recent ones in its conversation. Newest first.
 */
async function threadOf(interaction: Interaction, deps: ProcessDeps): Promise<Complaint[]> {
  if (interaction.inReplyTo) {
    const target = await deps.store.resolveMessage(interaction.platform, interaction.inReplyTo);
    const complaint = target ? await deps.store.get(target) : null;
    if (complaint) return [complaint];
  }
  return deps.store.findInConversation(interaction.platform, interaction.conversationId, 10);
}

/** A brand reply acknowledges the open complaints of the thread it answers (never opens one). */
async function acknowledgeByBrandReply(interaction: Interaction, deps: ProcessDeps): Promise<ProcessOutcome> {
  const at = deps.clock.now().toISOString();
  const by = `${interaction.platform}:${interaction.externalId}`;
  const open = (await threadOf(interaction, deps)).filter((c) => c.status === 'open');
  for (const complaint of open) {
    const result = await deps.store.transition(
      complaint.id,
      ['open'],
      'acknowledged',
      { acknowledgedAt: at, acknowledgedBy: { by, via: 'brand-reply', at } },
      {
        at,
        type: 'acknowledged',
        detail: {
          by,
          via: 'brand-reply',
          timeToAcknowledgeMs: Date.parse(at) - Date.parse(complaint.receivedAt),
        },
      },
    );
    if (result?.changed && complaint.ackDueAt) await stopTimers(result.complaint, deps.timers);
  }
  return {
    complaintId: open[0]?.id ?? complaintIdFor(interaction.platform, interaction.externalId),
    result: open.length ? 'acknowledged' : 'brand-reply',
  };
}

async function joinThread(
  interaction: Interaction,
  triage: Triage,
  deps: ProcessDeps,
): Promise<ProcessOutcome | null> {
  const now = deps.clock.now();
  const windowStart = now.getTime() - deps.threadWindowMinutes * 60_000;
  // A message never loses its clock by joining: an actionable one joins only a thread that has a
  // clock itself; after the author's praise or greeting it opens a complaint of its own.
  const actionable = deps.policy.actionableKinds.includes(triage.kind);
  const parent = (await threadOf(interaction, deps)).find(
    (c) =>
      c.status === 'open' &&
      c.author.id === interaction.author.id &&
      Date.parse(c.receivedAt) >= windowStart &&
      (c.ackDueAt !== null || !actionable),
  );
  if (!parent) return null;
  // A follow-up may raise the severity (and so tighten the deadline), never lower it.
  const severity = higher(parent.severity, triage.severity);
  const raisedDue =
    severity !== parent.severity ? ackDueAt(deps.policy, { ...parent, severity, kind: parent.kind }) : null;
  const tighter = raisedDue && parent.ackDueAt && raisedDue < parent.ackDueAt ? raisedDue : null;
  // A tighter deadline gets its own timer (the old one finds its steps fired or not yet due).
  const timerGeneration = tighter ? nextTimerGeneration(parent) : undefined;
  const added = await deps.store.addFollowUp(
    parent.id,
    interaction.externalId,
    severity !== parent.severity
      ? { severity, ...(tighter ? { ackDueAt: tighter, timerGeneration } : {}) }
      : {},
    {
      at: now.toISOString(),
      type: 'follow-up',
      detail: {
        externalId: interaction.externalId,
        text: interaction.text.slice(0, 500),
        kind: triage.kind,
        severity: triage.severity,
        deliveryId: interaction.deliveryId,
      },
    },
  );
  if (added === 'not-open') return null;
  // On every delivery, the duplicates included: a start that failed last time is made good now.
  if (parent.ackDueAt)
    await ensureTimer(
      added === 'added' && tighter ? { id: parent.id, timerGeneration } : parent,
      deps.timers,
    );
  return { complaintId: parent.id, result: added === 'added' ? 'follow-up' : 'duplicate' };
}

async function processInteraction(
  interaction: Interaction,
  event: QueuedEvent,
  deps: ProcessDeps,
): Promise<ProcessOutcome> {
  const complaintId = complaintIdFor(interaction.platform, interaction.externalId);
  const at = deps.clock.now().toISOString();
  const trace = { deliveryId: interaction.deliveryId };
  if (interaction.action === 'delete') {
    const storedAs = await deps.store.resolveMessage(interaction.platform, interaction.externalId);
    if (storedAs && storedAs !== complaintId) {
      const detail = { ...trace, externalId: interaction.externalId };
      await deps.archive.forget(
        await deps.store.redactFollowUp(storedAs, interaction.externalId, { at, type: 'deleted', detail }),
      );
      return { complaintId: storedAs, result: 'deleted' };
    }
    await deps.archive.forget(
      await deps.store.markDeleted(complaintId, { at, type: 'deleted', detail: trace }),
    );
    return { complaintId, result: 'deleted' };
  }
  if (interaction.fromBrand) return acknowledgeByBrandReply(interaction, deps);
  if (interaction.action === 'edit') {
    const edited = await deps.store.applyEdit(complaintId, interaction.text, {
      at,
      type: 'edited',
      detail: trace,
    });
    // An edit that overtook its create carries the whole message: it is stored as the create.
    if (edited) return { complaintId, result: 'edited' };
  }
  // A redelivered message is already stored (as a complaint or as a follow-up): nothing to do again.
  const storedAs = await deps.store.resolveMessage(interaction.platform, interaction.externalId);
  if (storedAs && storedAs !== complaintId) {
    // A follow-up seen before: its thread's timer may still be owed (a start that failed last time).
    const parent = await deps.store.get(storedAs);
    if (parent?.status === 'open' && parent.ackDueAt) await ensureTimer(parent, deps.timers);
    return { complaintId: storedAs, result: 'duplicate' };
  }
  const existing = storedAs ? await deps.store.get(complaintId) : null;
  const triage =
    existing ??
    deps.triage.classify({
      ...interaction,
      vipAuthors: deps.vipAuthors,
      embedding: (await deps.encoder?.embed([interaction.text]))?.[0],
      complaintThreshold: deps.complaintThreshold,
    });
  // A message deleted before it arrived never joins a thread: it is stored, then redacted, below.
  if (!existing && !(await deps.store.hasTombstone(complaintId))) {
    const joined = await joinThread(interaction, triage, deps);
    if (joined) return joined;
  }

  const complaint = existing ?? toComplaint(interaction, triage, event.receivedAt, deps.policy);
  const events: TimelineEvent[] = [
    { at: complaint.receivedAt, type: 'received', detail: { ...trace, platform: complaint.platform } },
    {
      at,
      type: 'classified',
      detail: {
        kind: complaint.kind,
        severity: complaint.severity,
        complaintProbability: complaint.complaintProbability,
        reasons: complaint.reasons,
      },
    },
  ];
  const created = existing ? false : await deps.store.create(complaint, events);
  if (created && (await deps.store.hasTombstone(complaintId))) {
    const forget = await deps.store.markDeleted(complaintId, {
      at,
      type: 'deleted',
      detail: { ...trace, overtookCreate: true },
    });
    await deps.archive.forget(forget);
  }
  // Start the clock on every delivery of an actionable, still-open complaint: the start is idempotent,
  // so a crash between the write and the start heals on the queue's redelivery.
  const stored = created ? complaint : (existing ?? (await deps.store.get(complaintId)));
  if (stored?.ackDueAt && stored.status === 'open') await ensureTimer(stored, deps.timers);
  return { complaintId, result: created ? 'created' : 'duplicate' };
}

/** "Intake from account … has stopped": a revocation means no more complaints from that account. */
export function intakeStoppedNotice(platform: Platform, r: RevocationPayload) {
  const where = PLATFORM_SPECS[platform].displayName;
  const account = trimText(r.account, 40);
  return {
    kind: 'intake-revoked',
    subject: trimText(`[Heed] Intake from ${where} account ${account} has stopped`, 99),
    message: [
      `Intake from ${where} account ${account} has stopped: ${trimText(r.detail, 200)}.`,
      ...(r.at ? [`When: ${trimText(r.at, 40)}`] : []),
      'No messages from this account reach Heed until it is connected again.',
      'What to do: docs/RUNBOOK.md, "Intake revoked".',
    ].join('\n'),
  };
}

/** Why an event cannot be normalized, as the DLQ reason says it. */
function poison(event: QueuedEvent, error: unknown): PoisonEvent {
  const detail =
    error instanceof ZodError
      ? error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')
      : (error as Error).message;
  return new PoisonEvent(`${event.platform} ${event.type} event cannot be normalized: ${detail}`);
}

/**
 * The event with what it points at fetched (a Google review notification names its review only).
 * A failed fetch throws and the queue retries it; a platform Heed has no credentials for is poison.
 */
async function withResource(event: QueuedEvent, parser: Normalizer, deps: ProcessDeps): Promise<QueuedEvent> {
  let ref: string | undefined;
  try {
    ref = parser.resourceOf?.(event);
  } catch (error) {
    throw poison(event, error);
  }
  if (!ref) return event;
  const fetcher = deps.resources?.[event.platform];
  if (!fetcher)
    throw new PoisonEvent(
      `${event.platform} ${event.type} names ${ref}, but no ${event.platform} credentials are configured to fetch it (README § Listening)`,
    );
  return {
    ...event,
    payload: { ...(event.payload as object), resource: (await fetcher.fetch(ref)) ?? null },
  };
}

/** The messages a queued event carries; a malformed one is poison (the DLQ, with the reason). */
function normalize(event: QueuedEvent, parser: Normalizer): Interaction[] {
  try {
    return parser.normalize(event);
  } catch (error) {
    throw poison(event, error);
  }
}

/** Normalize one queued event and store each message it carries. Safe to run any number of times. */
export async function processEvent(event: QueuedEvent, deps: ProcessDeps): Promise<ProcessOutcome[]> {
  const keepUntil = new Date(deps.clock.now().getTime() + deps.rawRetentionDays * 86_400_000);
  if (event.type === UNHANDLED_EVENT) {
    await deps.archive.keepUnhandled(event, keepUntil);
    return [{ result: 'kept' }];
  }
  if (event.type === REVOCATION_EVENT) {
    const notice = RevocationPayload.safeParse(event.payload);
    if (!notice.success) throw new PoisonEvent('revocation event without an account');
    await deps.operations.page(intakeStoppedNotice(event.platform, notice.data));
    return [{ result: 'revoked' }];
  }
  await deps.archive.keep(event, keepUntil);
  const parser = await parserForPlatform(event.platform);
  const interactions = normalize(await withResource(event, parser, deps), parser);
  const outcomes: ProcessOutcome[] = [];
  for (const interaction of interactions) outcomes.push(await processInteraction(interaction, event, deps));
  return outcomes;
}
