import * as z from 'zod';
import { PLATFORMS } from '../sources.ts';
import { Severity } from './complaint.ts';

/** Where a message came from: the platforms of the registered sources (core/sources.ts). */
export const Platform = z.enum(PLATFORMS);
export type Platform = z.infer<typeof Platform>;

/** Public posts/comments can snowball; private messages cannot. Severity and SLA use this. */
export const Channel = z.enum(['public', 'private']);
export type Channel = z.infer<typeof Channel>;

export const Author = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  handle: z.string().optional(),
  followers: z.number().int().nonnegative().optional(),
  verified: z.boolean().optional(),
});
export type Author = z.infer<typeof Author>;

export const MediaRef = z.object({ type: z.string(), url: z.string().optional(), id: z.string().optional() });

/**
 * One customer (or brand) message, normalized from any platform. Ids are strings: X ids exceed 2^53.
 * `action` tells whether this delivery creates, edits or deletes the message identified by externalId.
 */
export const Interaction = z.object({
  platform: Platform,
  channel: Channel,
  action: z.enum(['create', 'edit', 'delete']).default('create'),
  externalId: z.string().min(1),
  conversationId: z.string().min(1),
  inReplyTo: z.string().optional(),
  author: Author,
  text: z.string(),
  media: z.array(MediaRef).default([]),
  createdAt: z.iso.datetime({ offset: true }),
  fromBrand: z.boolean(),
  permalink: z.url().optional(),
  test: z.boolean().default(false),
  /** Which delivery this came from, so any message can be traced and re-processed. */
  deliveryId: z.string(),
  /**
   * False (absent: true) for what Heed overheard by listening (a feed entry, a keyword search): nobody sent it to
   * the brand, so a question in it is not for the brand, and it pages only if it is `about` the brand.
   */
  addressed: z.boolean().optional(),
  /** Listening: the brand's names and keywords; a message that speaks of none of them is not relevant. */
  about: z.array(z.string().min(1)).optional(),
  /** A review's star rating: 1–2 stars is a complaint whatever the words. */
  rating: z.number().int().min(1).max(5).optional(),
  /** Listening: the least severity a complaint from this source gets (a feed's default severity). */
  minimumSeverity: Severity.optional(),
});
export type Interaction = z.infer<typeof Interaction>;

/** What the ingest Lambda puts on the queue: one raw platform event, split from a delivery. */
export const QueuedEvent = z.object({
  v: z.literal(1),
  platform: Platform,
  source: z.string().optional(),
  deliveryId: z.string(),
  receivedAt: z.iso.datetime(),
  type: z.string(),
  payload: z.unknown(),
});
export type QueuedEvent = z.infer<typeof QueuedEvent>;

/** Queued events that carry no message (queued-events.ts defines them, without schemas). */
export { REVOCATION_EVENT, UNHANDLED_EVENT } from './queued-events.ts';

export const UnhandledPayload = z.object({
  /** The registered source whose route received it, and the generic sender's name when there is one. */
  source: z.string(),
  sender: z.string().optional(),
  /** The event types in it that Heed does not handle (`favorite_events`, `page:feed:like`, …). */
  ignored: z.array(z.string()),
  /** The whole verified delivery, parsed. */
  body: z.unknown(),
});
export type UnhandledPayload = z.infer<typeof UnhandledPayload>;

export const RevocationPayload = z.object({
  /** The account whose events stop (the brand's user id, Page id or WhatsApp number). */
  account: z.string(),
  /** What the platform said, in a few words ("user revoked the app's access"). */
  detail: z.string(),
  at: z.string().optional(),
});
export type RevocationPayload = z.infer<typeof RevocationPayload>;
