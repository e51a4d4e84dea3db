import type { FeedEntry } from './listening/feeds.ts';
import type { Complaint, Kind, Severity, Status, TimelineEvent } from './model/complaint.ts';
import type { Platform, QueuedEvent } from './model/interaction.ts';
import type { SecretField } from './sources.ts';
import type { BacklogCounts, CohortCounts } from './stats/summary.ts';

/** Time as the domain sees it. Locally it may run faster than the wall clock (SLA_TIME_SCALE). */
export interface Clock {
  now(): Date;
  /** Wall-clock milliseconds until `instant` on this clock (what a real timer must wait). */
  realMsUntil(instant: Date): number;
  /** The wall clock, whatever the speed-up: what senders' signature timestamps are checked against. */
  wallNow(): Date;
}

export interface EventQueue {
  /** Resolves only when every event is durably enqueued; throws otherwise. */
  enqueue(events: QueuedEvent[]): Promise<void>;
}

/**
 * Message ids seen at intake, for senders whose spec asks receivers to dedupe (Standard Webhooks). An
 * id is a replay once a delivery carrying it was accepted; until then (an attempt that failed before
 * enqueueing) a retry with the same id is processed, so nothing a sender retries is ever lost.
 */
export interface ReplayGuard {
  begin(key: string, expiresAt: Date): Promise<'first' | 'replay'>;
  accepted(key: string): Promise<void>;
}

export interface ListFilter {
  status?: Status;
  platform?: Platform;
  /** One author's complaints. */
  author?: { platform: Platform; id: string };
  /** Only complaints an agent corrected (training data). */
  corrected?: boolean;
  kind?: Kind;
  severity?: Severity;
  /** Where the complaint stands against its deadline (open ones), or acknowledged. */
  slaState?: SlaState;
  /** One agent's complaints. */
  assignee?: string;
  /** Received at or after / before (ISO 8601). */
  since?: string;
  until?: string;
  /** Text contains this (case-insensitive); only within a time range. */
  q?: string;
  /** By acknowledgement deadline, soonest first (the work queue), or by received time, newest first. */
  sort?: 'deadline' | 'received';
  limit: number;
  cursor?: string;
}

export const SLA_STATES = ['on_track', 'warning', 'breached', 'acknowledged'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * `in-flight`: another attempt claimed the step and has not marked it sent; it may be retried once
 * that attempt's lease has run out (it may have died between the claim and the page).
 */
export type ClaimResult = 'claimed' | 'not-open' | 'already-fired' | 'missing' | 'in-flight';

/** How a step reached its audience: a page of its own, or a line in a storm digest. */
export interface StepDelivery {
  via: 'page' | 'digest';
  digest?: string;
  at: string;
}

/** Who claims a step, and for how long the claim holds before another attempt may take it over. */
export interface StepClaim {
  /** Unique per attempt: a retried request of the same attempt is recognised as its own. */
  token: string;
  /** Wall-clock time of the claim. */
  at: Date;
  leaseMs: number;
}

/** Complaints: their state, timeline, threading aliases and tombstones. */
export interface ComplaintRepository {
  /** Idempotent create: returns false when the complaint already exists. */
  create(complaint: Complaint, events: TimelineEvent[]): Promise<boolean>;
  get(id: string): Promise<Complaint | null>;
  timeline(id: string): Promise<TimelineEvent[]>;
  list(filter: ListFilter): Promise<Page<Complaint>>;
  /** Moves a complaint whose status is one of `from` to `to`; null when it does not exist. */
  transition(
    id: string,
    from: Status[],
    to: Status,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ): Promise<{ changed: boolean; complaint: Complaint } | null>;
  /**
   * Atomically records an SLA step on a complaint that is still open and has not fired it yet.
   * The condition is what makes "nothing is sent once acknowledged, even in a race" hold.
   */
  claimSlaStep(
    id: string,
    step: string,
    changes: Partial<Complaint>,
    event: TimelineEvent,
    claim: StepClaim,
  ): Promise<ClaimResult>;
  /** The step's page (or digest line) went out: its claim is final and it joins `slaSteps`. */
  markStepSent(id: string, step: string, token: string, delivery: StepDelivery): Promise<void>;
  /** Replaces the text of an existing complaint (an edit on the platform); false when it does not exist. */
  applyEdit(id: string, text: string, event: TimelineEvent): Promise<boolean>;
  /**
   * Marks a complaint deleted on the platform. When it does not exist yet (the delete overtook the
   * create), leaves a tombstone so the create is stored as deleted.
   */
  markDeleted(id: string, event: TimelineEvent): Promise<string[]>;
  /**
   * A follow-up message deleted on the platform: its text leaves the parent's timeline. `markDeleted` does the same for a complaint's own message (text,
   * author, permalink), keeping ids, times and SLA facts. Both return the deliveries that carried the
   * removed words, for the raw archive to forget.
   */
  redactFollowUp(id: string, externalId: string, event: TimelineEvent): Promise<string[]>;
  hasTombstone(id: string): Promise<boolean>;
  /** The complaint a platform message belongs to: its own, or the one it was joined to as a follow-up. */
  resolveMessage(platform: Platform, externalId: string): Promise<string | null>;
  /** Complaints in a conversation, newest first. */
  findInConversation(platform: Platform, conversationId: string, limit: number): Promise<Complaint[]>;
  /**
   * Appends a follow-up message to an open complaint, once per message (keyed by its external id),
   * optionally raising severity and tightening the deadline.
   */
  addFollowUp(
    id: string,
    externalId: string,
    changes: Partial<Pick<Complaint, 'severity' | 'ackDueAt' | 'timerGeneration'>>,
    event: TimelineEvent,
  ): Promise<'added' | 'duplicate' | 'not-open'>;
  /**
   * Sets fields while each `expected` field still holds its given value (null: unset), else changes
   * nothing (changed: false); null when the complaint does not exist. Two agents acting on the same
   * complaint at once cannot overwrite each other unseen.
   */
  updateIf(
    id: string,
    expected: Partial<Complaint>,
    changes: Partial<Complaint>,
    event: TimelineEvent,
  ): Promise<{ changed: boolean; complaint: Complaint } | null>;
  /** Undo of a claim whose notification could not be published, so a retry can send it. */
  releaseSlaStep(id: string, step: string, token: string): Promise<void>;
  /**
   * The stats counters (core/stats) of complaints received from `since` to `until` (UTC days,
   * inclusive), and the open backlog: a few reads per month, whatever the number of complaints.
   */
  statsCounts(since: string, until: string): Promise<{ cohorts: CohortCounts[]; backlog: BacklogCounts[] }>;
}

/** Raw queued events, kept for a while so any message can be re-processed. */
export interface RawArchive {
  keep(event: QueuedEvent, expiresAt: Date): Promise<void>;
  /** Forgets deliveries (their message was deleted on the platform). */
  forget(deliveryIds: string[]): Promise<void>;
  /** Keeps a verified delivery Heed did not handle (a `heed:unhandled` event), findable by its source. */
  keepUnhandled(event: QueuedEvent, expiresAt: Date): Promise<void>;
  /** Unhandled deliveries of a source, oldest first, a page at a time. */
  listUnhandled(source: string, cursor?: string): Promise<{ events: QueuedEvent[]; cursor?: string }>;
  /** Drops an unhandled delivery once a replay handled all of it. */
  dropUnhandled(event: QueuedEvent): Promise<void>;
}

/** Pages the operations team (the ops topic, with the alarms) about Heed itself, not about complaints. */
export interface OperationsPager {
  page(notice: { kind: string; subject: string; message: string }): Promise<void>;
}

export interface DigestMember {
  complaintId: string;
  line: string;
}

/** Storm guard and digests: many breaches at once become one message per audience and interval. */
export interface StormLedger {
  /**
   * Records a complaint's breach of `level` due at `dueAt` (once) and returns how many complaints'
   * breaches of that level fell due within `windowMs` before it, itself included: a sliding window.
   */
  countBreaches(level: number, complaintId: string, dueAt: Date, windowMs: number): Promise<number>;
  /**
   * Adds a complaint's one-line summary to a digest (once), and remembers on the complaint to settle
   * it: 'joined'. When the digest was already sent without it: 'sent' (the caller notifies on its own).
   */
  joinDigest(digestKey: string, complaintId: string, line: string): Promise<'joined' | 'sent'>;
  /**
   * Claims a digest for sending, for one lease: its members' lines to one claimant at a time (a
   * retried request with the same token is the same claimant). While it is claimed or once it is
   * sent, no complaint joins it.
   */
  claimDigest(digestKey: string, claim: StepClaim): Promise<DigestClaim>;
  /** The claimant published it: nobody sends it again. */
  markDigestSent(digestKey: string, token: string): Promise<void>;
  /** Gives a claim back when its digest could not be published; a no-op unless `token` still holds it. */
  releaseDigest(digestKey: string, token: string): Promise<void>;
  /** The complaint no longer has to settle this digest (it is sent). */
  forgetDigest(digestKey: string, complaintId: string): Promise<void>;
}

export type DigestClaim =
  | { state: 'claimed'; members: DigestMember[] }
  /** Out already (or never existed): nothing to do. */
  | { state: 'sent' }
  /** Another attempt holds it: look again once its lease has run out (wall-clock ms). */
  | { state: 'in-flight'; until: number };

/** Timer executions, by the names core/sla/timers.ts gives them. */
export interface SlaTimers {
  /** Starts execution `name` for the complaint. Idempotent: a name already used is left as it is. */
  start(name: string, complaintId: string): Promise<void>;
  /** Stops these executions; names that are not running are ignored. */
  stop(names: string[]): Promise<void>;
}

export interface Notification {
  complaintId: string;
  step: string;
  level: number;
  audience: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/**
 * Webhook secrets by field of the secret document (core/sources.ts). Each list holds the current value
 * first, then any still in their rotation grace.
 */
export type WebhookSecrets = Record<SecretField, string[]>;

/** Sentence embeddings for triage (a pretrained encoder): one vector per text, in order. */
export interface SentenceEncoder {
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * Verifies an OIDC ID token signed by Google (a Pub/Sub push subscription's): its signature against
 * Google's published keys, issuer, expiry and one of the audiences; resolves to its claims, rejects
 * with Unauthorized otherwise.
 */
export interface OidcVerifier {
  verify(token: string, audiences: readonly string[]): Promise<Record<string, unknown>>;
}

/** Fetches what an event only points at (a review by its resource name); null when it is gone. */
export interface ResourceFetcher {
  fetch(ref: string): Promise<unknown>;
}

/** What a listener remembers between polls (DynamoDB, one item per feed or search). */
export interface ListeningCheckpoint {
  /** Conditional GET validators of the last 200. */
  etag?: string;
  lastModified?: string;
  /** Entry keys already enqueued (newest last, bounded): a feed repeats its recent entries every poll. */
  seen?: string[];
  /** X search: the newest post id already enqueued. */
  sinceId?: string;
  /** X search: a paging run not finished yet (a rate limit or the page budget cut it short). */
  paging?: { nextToken: string; newestId: string };
  /** Not before this instant (ISO): error backoff, or a rate limit's reset. */
  notBefore?: string;
  /** Consecutive failed polls, and since when (ISO) the source has been failing. */
  failures?: number;
  failingSince?: string;
  lastError?: string;
  lastSuccessAt?: string;
}

export interface ListeningCheckpoints {
  get(id: string): Promise<ListeningCheckpoint>;
  put(id: string, checkpoint: ListeningCheckpoint): Promise<void>;
}

/** A conditional GET of a feed, parsed by a feed library. Throws on a network error or an error status. */
export interface FeedFetcher {
  fetch(
    url: string,
    validators: { etag?: string; lastModified?: string },
  ): Promise<
    { status: 'not-modified' } | { status: 'ok'; entries: FeedEntry[]; etag?: string; lastModified?: string }
  >;
}

/** One page of X API v2 recent search, with the rate limit its response headers announced. */
export interface XSearchApi {
  search(params: {
    query: string;
    sinceId?: string;
    /** Only on a first poll (no since_id yet): how far back to start. */
    startTime?: Date;
    nextToken?: string;
    maxResults: number;
  }): Promise<{
    status: number;
    body: unknown;
    rateLimit: { remaining?: number; resetAt?: Date };
  }>;
}
