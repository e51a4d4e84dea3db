import * as z from 'zod';
import { BadRequest } from '../../model/errors.ts';
import { type Interaction, type QueuedEvent, REVOCATION_EVENT } from '../../model/interaction.ts';
import type { SplitResult } from '../parser.ts';
import { xInteraction } from './interaction.ts';

// X Account Activity API payloads. Ids are always read from the *_str fields: tweet ids exceed 2^53.
const XUser = z.looseObject({
  id_str: z.string(),
  name: z.string().optional(),
  screen_name: z.string().optional(),
  followers_count: z.number().optional(),
  verified: z.boolean().optional(),
});
// The DM `users` map keys users by id and gives `id` as a string (no id_str there).
const DmUser = z.looseObject({
  name: z.string().optional(),
  screen_name: z.string().optional(),
  followers_count: z.number().optional(),
  verified: z.boolean().optional(),
});
export const Tweet = z.looseObject({
  id_str: z.string(),
  created_at: z.string().optional(),
  timestamp_ms: z.string().optional(),
  text: z.string().optional(),
  full_text: z.string().optional(),
  extended_tweet: z.looseObject({ full_text: z.string() }).optional(),
  in_reply_to_status_id_str: z.string().nullish(),
  is_quote_status: z.boolean().optional(),
  quoted_status_id_str: z.string().optional(),
  retweeted_status: z.unknown().optional(),
  user: XUser,
});
export const DirectMessage = z.looseObject({
  type: z.string(),
  id: z.string(),
  created_timestamp: z.string().optional(),
  message_create: z
    .looseObject({
      target: z.looseObject({ recipient_id: z.string() }),
      sender_id: z.string(),
      message_data: z.looseObject({ text: z.string().default('') }),
    })
    .optional(),
});
export const Activity = z.looseObject({
  for_user_id: z.string(),
  tweet_create_events: z.array(z.unknown()).optional(),
  direct_message_events: z.array(z.unknown()).optional(),
  users: z.record(z.string(), z.unknown()).optional(),
  tweet_delete_events: z.array(z.unknown()).optional(),
});

export const HANDLED = new Set([
  'for_user_id',
  'tweet_create_events',
  'direct_message_events',
  'users',
  'tweet_delete_events',
]);

function parseTweetDate(tweet: z.infer<typeof Tweet>): string {
  const fromMs = tweet.timestamp_ms ? Number(tweet.timestamp_ms) : Number.NaN;
  const date = Number.isFinite(fromMs) ? new Date(fromMs) : new Date(tweet.created_at ?? '');
  if (Number.isNaN(date.getTime())) throw new BadRequest(`tweet ${tweet.id_str} has no valid created_at`);
  return date.toISOString();
}

export function normalizeTweet(event: QueuedEvent, forUserId: string, raw: unknown): Interaction[] {
  const tweet = Tweet.parse(raw);
  const author = tweet.user;
  return [
    xInteraction(event, {
      externalId: tweet.id_str,
      channel: 'public',
      // The v1.1 payload has no conversation id: a reply belongs to the tweet it answers.
      conversationId: tweet.in_reply_to_status_id_str ?? tweet.id_str,
      inReplyTo: tweet.in_reply_to_status_id_str ?? undefined,
      author: {
        id: author.id_str,
        name: author.name,
        handle: author.screen_name,
        followers: author.followers_count,
        verified: author.verified,
      },
      text: tweet.extended_tweet?.full_text ?? tweet.full_text ?? tweet.text ?? '',
      createdAt: parseTweetDate(tweet),
      forUserId,
    }),
  ];
}

export function normalizeDirectMessage(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const dm = DirectMessage.parse(raw);
  if (dm.type !== 'message_create' || !dm.message_create) return [];
  const { sender_id: senderId, target } = dm.message_create;
  const sender = DmUser.safeParse(users[senderId]);
  const customerId = senderId === forUserId ? target.recipient_id : senderId;
  const createdMs = Number(dm.created_timestamp);
  return [
    xInteraction(event, {
      externalId: `dm:${dm.id}`,
      channel: 'private',
      conversationId: `dm:${customerId}`,
      author: {
        id: senderId,
        name: sender.success ? sender.data.name : undefined,
        handle: sender.success ? sender.data.screen_name : undefined,
        followers: sender.success ? sender.data.followers_count : undefined,
        verified: sender.success ? sender.data.verified : undefined,
      },
      text: dm.message_create.message_data.text,
      createdAt: new Date(
        Number.isFinite(createdMs) ? createdMs : Date.parse(event.receivedAt),
      ).toISOString(),
      forUserId,
    }),
  ];
}

export const TweetDelete = z.looseObject({
  status: z.looseObject({ id: z.string(), user_id: z.string() }),
  timestamp_ms: z.string().optional(),
});

export function normalizeDelete(event: QueuedEvent, forUserId: string, raw: unknown): Interaction[] {
  const { status, timestamp_ms } = TweetDelete.parse(raw);
  const at = Number(timestamp_ms);
  return [
    xInteraction(event, {
      externalId: status.id,
      channel: 'public',
      action: 'delete',
      conversationId: status.id,
      author: { id: status.user_id },
      text: '',
      createdAt: new Date(Number.isFinite(at) ? at : Date.parse(event.receivedAt)).toISOString(),
      forUserId,
    }),
  ];
}

/**
 * The Account Activity revocation: `{"user_event": {"revoke": {"date_time", "target": {"app_id"},
 * "source": {"user_id"}}}}` (docs.x.com/x-api/account-activity/introduction, "user_event"). It has
 * no for_user_id; X deletes the subscription with it.
 */
export const UserEvent = z.looseObject({
  user_event: z.looseObject({
    revoke: z
      .looseObject({
        date_time: z.string().optional(),
        source: z.looseObject({ user_id: z.string() }).optional(),
      })
      .optional(),
  }),
});

export function splitUserEvent(body: z.infer<typeof UserEvent>): SplitResult {
  const revoke = body.user_event.revoke;
  if (!revoke) return { events: [], ignored: Object.keys(body.user_event).map((key) => `user_event:${key}`) };
  return {
    events: [
      {
        platform: 'x',
        type: REVOCATION_EVENT,
        payload: {
          account: revoke.source?.user_id ?? 'unknown',
          detail: 'the account revoked the app; X deleted its subscription (Account Activity user_event)',
          at: revoke.date_time,
        },
      },
    ],
    ignored: [],
  };
}
