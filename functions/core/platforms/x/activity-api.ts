import * as z from 'zod';
import { type Interaction, type QueuedEvent, REVOCATION_EVENT } from '../../model/interaction.ts';
import type { SplitResult } from '../parser.ts';
import { xInteraction } from './interaction.ts';

// X Activity API (XAA) deliveries, as documented in "X Activity API event payload examples"
// (docs.x.com/x-api/activity/event-payloads; fixtures in test/fixtures/platform-docs/x-activity):
// {"data": {"event_uuid", "filter": {"user_id"}, "event_type", "tag", "payload", "includes"}}.
// The documented envelope puts `includes` inside `data`; a top-level `includes` is read too.
// `filter` may be empty (oauth.revoke).
const XaaEvent = z.looseObject({
  event_type: z.string(),
  filter: z.looseObject({ user_id: z.string().optional() }).optional(),
  for_user_id: z.string().optional(),
  payload: z.unknown(),
  includes: z.looseObject({ users: z.array(z.unknown()).optional() }).optional(),
});
export const XaaDelivery = z.looseObject({
  data: z.union([XaaEvent, z.array(XaaEvent).max(1000)]),
  includes: z.looseObject({ users: z.array(z.unknown()).optional() }).optional(),
});
const V2UserFields = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  username: z.string().optional(),
  verified: z.boolean().optional(),
  public_metrics: z.looseObject({ followers_count: z.number().optional() }).optional(),
});
/** Users come bare in includes.users of posts, and wrapped as `{"data": {...}}` in post.delete and DMs. */
const V2User = z.union([V2UserFields, z.looseObject({ data: V2UserFields }).transform((u) => u.data)]);
const V2Post = z.looseObject({
  id: z.string(),
  text: z.string().default(''),
  author_id: z.string(),
  conversation_id: z.string().optional(),
  created_at: z.string().optional(),
  in_reply_to_tweet_id: z.string().optional(),
  referenced_tweets: z.array(z.looseObject({ type: z.string(), id: z.string() })).optional(),
});
/**
 * A v2 DM event (id, text, sender_id) as the v2 DM lookup returns it. Not documented as an XAA
 * payload (dm.* deliver `direct_message_events`); kept for events queued by earlier versions.
 */
const V2DmEvent = z.looseObject({
  id: z.string(),
  text: z.string().default(''),
  sender_id: z.string(),
  dm_conversation_id: z.string().optional(),
  created_at: z.string().optional(),
});
/** XChat: end-to-end encrypted; only ids, the sender and the time are readable. */
const ChatEvent = z.looseObject({
  id: z.string(),
  sender_id: z.string(),
  conversation_id: z.string(),
  created_at_msec: z.string().optional(),
});
const Revoke = z.looseObject({ user_id: z.string(), date_time: z.string().optional() });
const DmPayload = z.looseObject({
  direct_message_events: z.array(z.unknown()),
  users: z.record(z.string(), z.unknown()).optional(),
});

/** Posts addressed to the brand or written by it; a repost repeats someone else's words (reach only). */
const POST_EVENTS = new Set(['post.create', 'post.mention.create', 'post.reply.create', 'post.quote.create']);
const DM_EVENTS = new Set(['dm.received', 'dm.sent']);
const CHAT_EVENTS = new Set(['chat.received', 'chat.sent']);

/** The DM `users` map in the Account Activity form (name, screen_name, followers_count), whatever form X used. */
export function accountActivityUsers(users: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(users).map(([id, raw]) => {
      const v2 = V2User.safeParse(raw);
      if (!v2.success) return [id, raw];
      const u = v2.data;
      return [
        id,
        {
          name: u.name,
          screen_name: u.username,
          followers_count: u.public_metrics?.followers_count,
          verified: u.verified,
        },
      ];
    }),
  );
}

function usersById(lists: unknown[][]): Record<string, z.infer<typeof V2UserFields>> {
  return Object.fromEntries(
    lists.flat().flatMap((u) => {
      const user = V2User.safeParse(u);
      return user.success ? [[user.data.id, user.data]] : [];
    }),
  );
}

export function splitActivityApi(delivery: z.infer<typeof XaaDelivery>): SplitResult {
  const events: SplitResult['events'] = [];
  const ignored: string[] = [];
  for (const item of Array.isArray(delivery.data) ? delivery.data : [delivery.data]) {
    const forUserId = item.filter?.user_id ?? item.for_user_id ?? '';
    const users = usersById([item.includes?.users ?? [], delivery.includes?.users ?? []]);
    const type = item.event_type;
    if (POST_EVENTS.has(type)) {
      // A payload that does not parse is queued all the same: it fails there and reaches the DLQ with its reason.
      events.push({ platform: 'x', type: 'xaa_post', payload: { forUserId, item: item.payload, users } });
    } else if (type === 'post.delete') {
      const post = z.looseObject({ id: z.string(), author_id: z.string() }).safeParse(item.payload);
      const status = post.success ? { id: post.data.id, user_id: post.data.author_id } : item.payload;
      events.push({ platform: 'x', type: 'tweet_delete', payload: { forUserId, item: { status } } });
    } else if (DM_EVENTS.has(type)) {
      const dms = DmPayload.safeParse(item.payload);
      if (dms.success) {
        const dmUsers = accountActivityUsers(dms.data.users ?? {});
        for (const dm of dms.data.direct_message_events)
          events.push({
            platform: 'x',
            type: 'direct_message',
            payload: { forUserId, item: dm, users: dmUsers },
          });
      } else
        events.push({ platform: 'x', type: 'xaa_dm', payload: { forUserId, item: item.payload, users } });
    } else if (CHAT_EVENTS.has(type)) {
      events.push({ platform: 'x', type: 'xaa_chat', payload: { forUserId, item: item.payload } });
    } else if (type === 'oauth.revoke') {
      const revoke = Revoke.safeParse(item.payload);
      events.push({
        platform: 'x',
        type: REVOCATION_EVENT,
        payload: {
          account: revoke.success ? revoke.data.user_id : forUserId || 'unknown',
          detail: 'the account revoked the app (X Activity API oauth.revoke)',
          at: revoke.data?.date_time,
        },
      });
    } else ignored.push(type);
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
  const ms = value ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.parse(fallback)).toISOString();
}

export function normalizeActivityPost(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const post = V2Post.parse(raw);
  const repliedTo =
    post.in_reply_to_tweet_id ?? post.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
  return [
    xInteraction(event, {
      externalId: post.id,
      channel: 'public',
      conversationId: repliedTo ?? post.id,
      inReplyTo: repliedTo,
      author: v2Author(post.author_id, users),
      text: post.text,
      createdAt: isoOr(post.created_at, event.receivedAt),
      forUserId,
    }),
  ];
}

export function normalizeActivityDm(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const dm = V2DmEvent.parse(raw);
  return [
    xInteraction(event, {
      externalId: `dm:${dm.id}`,
      channel: 'private',
      conversationId: dm.dm_conversation_id ? `dm:${dm.dm_conversation_id}` : `dm:${dm.sender_id}`,
      author: v2Author(dm.sender_id, users),
      text: dm.text,
      createdAt: isoOr(dm.created_at, event.receivedAt),
      forUserId,
    }),
  ];
}

/**
 * An encrypted XChat message: Heed cannot read its words (they need the account's private keys), so
 * it is stored with an empty text and marked, so a person opens it in the X app.
 */
export function normalizeActivityChat(event: QueuedEvent, forUserId: string, raw: unknown): Interaction[] {
  const chat = ChatEvent.parse(raw);
  const interaction = xInteraction(event, {
    externalId: `chat:${chat.id}`,
    channel: 'private',
    conversationId: `chat:${chat.conversation_id}`,
    author: { id: chat.sender_id },
    text: '',
    createdAt: isoOr(chat.created_at_msec, event.receivedAt),
    forUserId,
  });
  return [{ ...interaction, media: [{ type: 'xchat-encrypted', id: chat.id }] }];
}
