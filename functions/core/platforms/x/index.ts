import * as z from 'zod';
import { X_SEARCH_EVENT } from '../../listening/x-search.ts';
import { BadRequest, Unauthorized } from '../../model/errors.ts';
import type { Interaction, QueuedEvent } from '../../model/interaction.ts';
import type { WebhookSecrets } from '../../ports.ts';
import type { HandshakeResponse, SourceParser, SplitResult, WebhookRequest } from '../parser.ts';
import { decodeStrict, hmac, matchesAnySecret } from '../signing.ts';
import {
  Activity,
  DirectMessage,
  HANDLED,
  normalizeDelete,
  normalizeDirectMessage,
  normalizeTweet,
  splitUserEvent,
  Tweet,
  UserEvent,
} from './account-activity.ts';
import {
  normalizeActivityChat,
  normalizeActivityDm,
  normalizeActivityPost,
  splitActivityApi,
  XaaDelivery,
} from './activity-api.ts';

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

const Payload = z.object({
  forUserId: z.string(),
  item: z.unknown(),
  users: z.record(z.string(), z.unknown()).optional(),
  /** Keyword listening: the brand's terms (relevance). */
  about: z.array(z.string()).optional(),
});

const hasKey = (body: unknown, key: string) => typeof body === 'object' && body !== null && key in body;

export const xParser: SourceParser = {
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

  sign(rawBody: Buffer, secret: string) {
    return { 'x-twitter-webhooks-signature': `sha256=${hmac('sha256', secret, rawBody).toString('base64')}` };
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
    // Each form has a key it cannot parse without: only those present are tried (a failed parse
    // builds its issues, the costliest path of intake's hot loop; bench/ingest.ts).
    const xaa = hasKey(body, 'data') ? XaaDelivery.safeParse(body) : undefined;
    if (xaa?.success) return splitActivityApi(xaa.data);
    const revoked = hasKey(body, 'user_event') ? UserEvent.safeParse(body) : undefined;
    if (revoked?.success) return splitUserEvent(revoked.data);
    const parsed = Activity.safeParse(body);
    // Not a form Heed knows (yet): acknowledged and kept, never refused.
    if (!parsed.success) return { events: [], ignored: ['x:unrecognized'] };
    const activity = parsed.data;
    const forUserId = activity.for_user_id;
    const events: SplitResult['events'] = [];
    const ignored = Object.keys(activity).filter((key) => !HANDLED.has(key));
    // Items that do not parse are queued all the same: they fail there and reach the DLQ with a reason.
    for (const item of activity.tweet_create_events ?? []) {
      // A retweet repeats someone else's words: it is reach, not a new message to answer.
      if (hasKey(item, 'retweeted_status') && Tweet.safeParse(item).data?.retweeted_status)
        ignored.push('retweet');
      else events.push({ platform: 'x', type: 'tweet_create', payload: { forUserId, item } });
    }
    for (const item of activity.direct_message_events ?? []) {
      const dm = DirectMessage.safeParse(item);
      if (dm.success && dm.data.type !== 'message_create') ignored.push(`direct_message:${dm.data.type}`);
      else
        events.push({
          platform: 'x',
          type: 'direct_message',
          payload: { forUserId, item, users: activity.users ?? {} },
        });
    }
    for (const item of activity.tweet_delete_events ?? [])
      events.push({ platform: 'x', type: 'tweet_delete', payload: { forUserId, item } });
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
      case 'xaa_chat':
        return normalizeActivityChat(event, payload.forUserId, payload.item);
      // Keyword listening (recent search returns v2 posts, as the X Activity API delivers them).
      case X_SEARCH_EVENT:
        return normalizeActivityPost(event, payload.forUserId, payload.item, payload.users ?? {}).map(
          (i) => ({
            ...i,
            addressed: false,
            about: payload.about,
          }),
        );
      default:
        return [];
    }
  },
};
