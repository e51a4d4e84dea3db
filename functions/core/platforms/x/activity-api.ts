import * as z from 'zod';
import type { Interaction, QueuedEvent } from '../../model/interaction.ts';
import type { SplitResult } from '../parser.ts';
import { xInteraction } from './interaction.ts';

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
export const XaaDelivery = z.looseObject({
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

export function splitActivityApi(delivery: z.infer<typeof XaaDelivery>): SplitResult {
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

export function normalizeActivityPost(
  event: QueuedEvent,
  forUserId: string,
  raw: unknown,
  users: Record<string, unknown>,
): Interaction[] {
  const post = V2Post.parse(raw);
  const repliedTo = post.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
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
