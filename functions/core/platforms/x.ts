import * as z from 'zod';
import { BadRequest, Unauthorized } from '../model/errors.ts';
import type { Interaction, QueuedEvent } from '../model/interaction.ts';
import type { WebhookSecrets } from '../ports.ts';
import type { HandshakeResponse, PlatformAdapter, SplitResult, WebhookRequest } from './adapter.ts';
import { decodeStrict, hmac, matchesAnySecret } from './signing.ts';

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
const Tweet = z.looseObject({
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
const DirectMessage = z.looseObject({
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
const Activity = z.looseObject({
  for_user_id: z.string(),
  tweet_create_events: z.array(z.unknown()).optional(),
  direct_message_events: z.array(z.unknown()).optional(),
  users: z.record(z.string(), z.unknown()).optional(),
  tweet_delete_events: z.array(z.unknown()).optional(),
});

const HANDLED = new Set([
  'for_user_id',
  'tweet_create_events',
  'direct_message_events',
  'users',
  'tweet_delete_events',
]);

/**
 * The shape of X's crc_token: base64 (X sends the base64 of a UUID, 48 characters). Nothing else is
 * answered, because the answer is HMAC(consumer secret, token) — exactly the signature X puts on a
 * delivery whose body is that token. Every delivery Heed accepts is a JSON object (it starts with
 * `{`, which this alphabet lacks), so no answer can ever sign a delivery.
 */
export const CRC_TOKEN = /^[A-Za-z0-9+/_-]{16,128}={0,2}$/;

export function crcResponse(token: string, consumerSecret: string): string {
  return `sha256=${hmac('sha256', consumerSecret, token).toString('base64')}`;
}

function parseTweetDate(tweet: z.infer<typeof Tweet>): string {
  const fromMs = tweet.timestamp_ms ? Number(tweet.timestamp_ms) : Number.NaN;
  const date = Number.isFinite(fromMs) ? new Date(fromMs) : new Date(tweet.created_at ?? '');
  if (Number.isNaN(date.getTime())) throw new BadRequest(`tweet ${tweet.id_str} has no valid created_at`);
  return date.toISOString();
}

function normalizeTweet(event: QueuedEvent, forUserId: string, raw: unknown): Interaction[] {
  const tweet = Tweet.parse(raw);
  const author = tweet.user;
  return [
    {
      platform: 'x',
      channel: 'public',
      action: 'create',
      externalId: tweet.id_str,
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
      media: [],
      createdAt: parseTweetDate(tweet),
      fromBrand: author.id_str === forUserId,
      permalink: author.screen_name
        ? `https://x.com/${encodeURIComponent(author.screen_name)}/status/${tweet.id_str}`
        : undefined,
      test: false,
      deliveryId: event.deliveryId,
    },
  ];
}

function normalizeDirectMessage(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
) {
  const dm = DirectMessage.parse(raw);
  if (dm.type !== 'message_create' || !dm.message_create) return [];
  const { sender_id: senderId, target } = dm.message_create;
  const sender = DmUser.safeParse(users[senderId]);
  const customerId = senderId === forUserId ? target.recipient_id : senderId;
  const createdMs = Number(dm.created_timestamp);
  const interaction: Interaction = {
    platform: 'x',
    channel: 'private',
    action: 'create',
    externalId: `dm:${dm.id}`,
    conversationId: `dm:${customerId}`,
    author: {
      id: senderId,
      name: sender.success ? sender.data.name : undefined,
      handle: sender.success ? sender.data.screen_name : undefined,
      followers: sender.success ? sender.data.followers_count : undefined,
      verified: sender.success ? sender.data.verified : undefined,
    },
    text: dm.message_create.message_data.text,
    media: [],
    createdAt: new Date(Number.isFinite(createdMs) ? createdMs : Date.parse(event.receivedAt)).toISOString(),
    fromBrand: senderId === forUserId,
    test: false,
    deliveryId: event.deliveryId,
  };
  return [interaction];
}

const TweetDelete = z.looseObject({
  status: z.looseObject({ id: z.string(), user_id: z.string() }),
  timestamp_ms: z.string().optional(),
});

function normalizeDelete(event: QueuedEvent, forUserId: string, raw: unknown): Interaction[] {
  const { status, timestamp_ms } = TweetDelete.parse(raw);
  const at = Number(timestamp_ms);
  return [
    {
      platform: 'x',
      channel: 'public',
      action: 'delete',
      externalId: status.id,
      conversationId: status.id,
      author: { id: status.user_id },
      text: '',
      media: [],
      createdAt: new Date(Number.isFinite(at) ? at : Date.parse(event.receivedAt)).toISOString(),
      fromBrand: status.user_id === forUserId,
      test: false,
      deliveryId: event.deliveryId,
    },
  ];
}

// X Activity API (XAA) deliveries: {"data": {"event_type", "filter": {"user_id"}, "payload"}} with v2
// objects (Post: id, text, author_id, conversation_id, created_at; DM event: id, text, sender_id,
// dm_conversation_id) and optional includes.users. Only the message events are taken; the rest
// (profile, follow, …) is accepted and counted as ignored.
const XaaEvent = z.looseObject({
  event_type: z.string(),
  filter: z.looseObject({ user_id: z.string() }).optional(),
  for_user_id: z.string().optional(),
  payload: z.unknown(),
});
const XaaDelivery = z.looseObject({
  data: z.union([XaaEvent, z.array(XaaEvent).max(1000)]),
  includes: z.looseObject({ users: z.array(z.unknown()).optional() }).optional(),
});
const V2User = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  username: z.string().optional(),
  verified: z.boolean().optional(),
  public_metrics: z.looseObject({ followers_count: z.number().optional() }).optional(),
});
const V2Post = z.looseObject({
  id: z.string(),
  text: z.string().default(''),
  author_id: z.string(),
  conversation_id: z.string().optional(),
  created_at: z.string().optional(),
  referenced_tweets: z.array(z.looseObject({ type: z.string(), id: z.string() })).optional(),
});
const V2DmEvent = z.looseObject({
  id: z.string(),
  text: z.string().default(''),
  sender_id: z.string(),
  dm_conversation_id: z.string().optional(),
  created_at: z.string().optional(),
});
const POST_EVENTS = /^(post|tweet)\.(mention|reply|quote|create)/;
const DM_EVENTS = /^dm\.(received|sent|create)/;

function splitActivityApi(delivery: z.infer<typeof XaaDelivery>): SplitResult {
  const users = Object.fromEntries(
    (delivery.includes?.users ?? []).flatMap((u) => {
      const user = V2User.safeParse(u);
      return user.success ? [[user.data.id, user.data]] : [];
    }),
  );
  const events: SplitResult['events'] = [];
  const ignored: string[] = [];
  for (const item of Array.isArray(delivery.data) ? delivery.data : [delivery.data]) {
    const forUserId = item.filter?.user_id ?? item.for_user_id ?? '';
    if (POST_EVENTS.test(item.event_type) && V2Post.safeParse(item.payload).success) {
      events.push({ platform: 'x', type: 'xaa_post', payload: { forUserId, item: item.payload, users } });
    } else if (DM_EVENTS.test(item.event_type) && V2DmEvent.safeParse(item.payload).success) {
      events.push({ platform: 'x', type: 'xaa_dm', payload: { forUserId, item: item.payload, users } });
    } else ignored.push(item.event_type);
  }
  return { events, ignored };
}

function v2Author(id: string, users: Record<string, unknown>): Interaction['author'] {
  const user = V2User.safeParse(users[id]);
  if (!user.success) return { id };
  return {
    id,
    name: user.data.name,
    handle: user.data.username,
    verified: user.data.verified,
    followers: user.data.public_metrics?.followers_count,
  };
}

function isoOr(value: string | undefined, fallback: string): string {
  const ms = value ? Date.parse(value) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.parse(fallback)).toISOString();
}

function normalizeActivityPost(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const post = V2Post.parse(raw);
  const repliedTo = post.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
  const author = v2Author(post.author_id, users);
  return [
    {
      platform: 'x',
      channel: 'public',
      action: 'create',
      externalId: post.id,
      conversationId: repliedTo ?? post.id,
      inReplyTo: repliedTo,
      author,
      text: post.text,
      media: [],
      createdAt: isoOr(post.created_at, event.receivedAt),
      fromBrand: post.author_id === forUserId,
      permalink: author.handle
        ? `https://x.com/${encodeURIComponent(author.handle)}/status/${post.id}`
        : undefined,
      test: false,
      deliveryId: event.deliveryId,
    },
  ];
}

function normalizeActivityDm(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const dm = V2DmEvent.parse(raw);
  const fromBrand = dm.sender_id === forUserId;
  return [
    {
      platform: 'x',
      channel: 'private',
      action: 'create',
      externalId: `dm:${dm.id}`,
      conversationId: dm.dm_conversation_id ? `dm:${dm.dm_conversation_id}` : `dm:${dm.sender_id}`,
      author: v2Author(dm.sender_id, users),
      text: dm.text,
      media: [],
      createdAt: isoOr(dm.created_at, event.receivedAt),
      fromBrand,
      test: false,
      deliveryId: event.deliveryId,
    },
  ];
}

const Payload = z.object({
  forUserId: z.string(),
  item: z.unknown(),
  users: z.record(z.string(), z.unknown()).optional(),
});

export const xAdapter: PlatformAdapter = {
  source: 'x',

  handshake(request: WebhookRequest, secrets: WebhookSecrets): HandshakeResponse {
    const token = request.query['crc_token'];
    if (!token || !CRC_TOKEN.test(token))
      throw new BadRequest('crc_token must be base64 of 16 to 128 characters, as X sends it');
    const [current] = secrets.xConsumerSecret;
    if (!current) throw new Unauthorized('no X consumer secret is configured');
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ response_token: crcResponse(token, current) }),
    };
  },

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const header = request.headers['x-twitter-webhooks-signature'] ?? '';
    const presented = header.startsWith('sha256=') ? decodeStrict(header.slice(7), 'base64') : null;
    const ok = matchesAnySecret(presented, secrets.xConsumerSecret, (secret) =>
      hmac('sha256', secret, request.rawBody),
    );
    if (!ok) throw new Unauthorized('x-twitter-webhooks-signature missing or invalid');
  },

  split(body: unknown): SplitResult {
    if (XaaDelivery.safeParse(body).success) return splitActivityApi(XaaDelivery.parse(body));
    const parsed = Activity.safeParse(body);
    if (!parsed.success) throw new BadRequest('not an X Account Activity event: for_user_id is required');
    const activity = parsed.data;
    const forUserId = activity.for_user_id;
    const events: SplitResult['events'] = [];
    const ignored = Object.keys(activity).filter((key) => !HANDLED.has(key));
    for (const item of activity.tweet_create_events ?? []) {
      const tweet = Tweet.safeParse(item);
      if (!tweet.success) throw new BadRequest('tweet_create_events item is malformed');
      // A retweet repeats someone else's words: it is reach, not a new message to answer.
      if (tweet.data.retweeted_status) ignored.push('retweet');
      else events.push({ platform: 'x', type: 'tweet_create', payload: { forUserId, item } });
    }
    for (const item of activity.direct_message_events ?? []) {
      const dm = DirectMessage.safeParse(item);
      if (!dm.success) throw new BadRequest('direct_message_events item is malformed');
      if (dm.data.type !== 'message_create') ignored.push(`direct_message:${dm.data.type}`);
      else
        events.push({
          platform: 'x',
          type: 'direct_message',
          payload: { forUserId, item, users: activity.users ?? {} },
        });
    }
    for (const item of activity.tweet_delete_events ?? []) {
      if (!TweetDelete.safeParse(item).success) throw new BadRequest('tweet_delete_events item is malformed');
      events.push({ platform: 'x', type: 'tweet_delete', payload: { forUserId, item } });
    }
    return { events, ignored };
  },

  normalize(event: QueuedEvent): Interaction[] {
    const payload = Payload.parse(event.payload);
    switch (event.type) {
      case 'tweet_create':
        return normalizeTweet(event, payload.forUserId, payload.item);
      case 'direct_message':
        return normalizeDirectMessage(event, payload.forUserId, payload.item, payload.users ?? {});
      case 'tweet_delete':
        return normalizeDelete(event, payload.forUserId, payload.item);
      case 'xaa_post':
        return normalizeActivityPost(event, payload.forUserId, payload.item, payload.users ?? {});
      case 'xaa_dm':
        return normalizeActivityDm(event, payload.forUserId, payload.item, payload.users ?? {});
      default:
        return [];
    }
  },
};
