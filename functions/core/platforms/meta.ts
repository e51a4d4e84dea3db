import * as z from 'zod';
import { BadRequest, Forbidden, Unauthorized } from '../model/errors.ts';
import { type Interaction, type Platform, type QueuedEvent, REVOCATION_EVENT } from '../model/interaction.ts';
import type { WebhookSecrets } from '../ports.ts';
import type {
  HandshakeResponse,
  SourceParser,
  SplitResult,
  VerifyOptions,
  WebhookRequest,
} from './parser.ts';
import { type Digest, decodeStrict, hmac, matchesAnySecret, matchesAnyToken } from './signing.ts';

// One Meta app signs Facebook Page, Messenger, Instagram and WhatsApp deliveries alike.
const Entry = z.looseObject({
  id: z.string(),
  time: z.number().optional(),
  changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).optional(),
  messaging: z.array(z.unknown()).optional(),
});
/** The objects Heed reads; any other object (user, permissions, application, …) is acknowledged and kept. */
const OBJECTS = ['page', 'instagram', 'whatsapp_business_account', 'permissions'] as const;
const Delivery = z.looseObject({ object: z.string(), entry: z.array(Entry).max(1000) });

const From = z.looseObject({ id: z.string(), name: z.string().optional(), username: z.string().optional() });
const FeedChange = z.looseObject({
  item: z.string(),
  verb: z.string(),
  from: From.optional(),
  message: z.string().optional(),
  post_id: z.string().optional(),
  comment_id: z.string().optional(),
  parent_id: z.string().optional(),
  created_time: z.union([z.number(), z.string()]).optional(),
});
const Messaging = z.looseObject({
  sender: z.looseObject({ id: z.string() }),
  recipient: z.looseObject({ id: z.string() }),
  timestamp: z.number().optional(),
  message: z
    .looseObject({
      mid: z.string(),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      attachments: z.array(z.looseObject({ type: z.string(), payload: z.unknown().optional() })).optional(),
    })
    .optional(),
});
const InstagramComment = z.looseObject({
  id: z.string(),
  text: z.string().optional(),
  from: From.optional(),
  media: z.looseObject({ id: z.string() }).optional(),
  parent_id: z.string().optional(),
});
const WhatsAppMessage = z.looseObject({
  id: z.string(),
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
});
const WhatsAppValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
  contacts: z
    .array(
      z.looseObject({
        wa_id: z.string().optional(),
        profile: z.looseObject({ name: z.string() }).optional(),
      }),
    )
    .optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

/** Page feed verbs that change a message (Meta sends `edited`, older apps `edit`); others are ignored. */
const VERBS: Record<string, Interaction['action']> = {
  add: 'create',
  edited: 'edit',
  edit: 'edit',
  remove: 'delete',
};
const MESSAGE_ITEMS = new Set(['comment', 'post', 'status', 'photo', 'video']);

function unixToIso(value: number | string | undefined, fallback: string): string {
  const n = typeof value === 'string' ? Number(value) : value;
  if (n === undefined || !Number.isFinite(n)) return fallback;
  return new Date(n < 1e12 ? n * 1000 : n).toISOString();
}

/** Meta's dashboard "Test" button sends sample deliveries with placeholder ids such as 0. */
function isTestEntry(entryId: string): boolean {
  return /^0+$/.test(entryId);
}

const Payload = z.object({ entryId: z.string(), time: z.number().optional(), item: z.unknown() });

interface Base {
  event: QueuedEvent;
  entryId: string;
}

function base({ event, entryId }: Base): Pick<Interaction, 'media' | 'test' | 'deliveryId'> {
  return { media: [], test: isTestEntry(entryId), deliveryId: event.deliveryId };
}

function normalizeFeed(ctx: Base, raw: unknown): Interaction[] {
  const change = FeedChange.parse(raw);
  if (!MESSAGE_ITEMS.has(change.item) || !change.from) return [];
  const externalId = change.comment_id ?? change.post_id;
  if (!externalId) return [];
  return [
    {
      ...base(ctx),
      platform: 'facebook',
      channel: 'public',
      action: VERBS[change.verb] ?? 'create',
      externalId,
      conversationId: change.post_id ?? externalId,
      inReplyTo: change.parent_id,
      author: { id: change.from.id, name: change.from.name },
      text: change.message ?? '',
      createdAt: unixToIso(change.created_time, ctx.event.receivedAt),
      fromBrand: change.from.id === ctx.entryId,
      permalink: `https://www.facebook.com/${encodeURIComponent(externalId)}`,
    },
  ];
}

function normalizeMessaging(ctx: Base, platform: Platform, raw: unknown): Interaction[] {
  const messaging = Messaging.parse(raw);
  const message = messaging.message;
  if (!message) return [];
  const fromBrand = message.is_echo === true;
  const customerId = fromBrand ? messaging.recipient.id : messaging.sender.id;
  return [
    {
      ...base(ctx),
      platform,
      channel: 'private',
      action: 'create',
      externalId: message.mid,
      conversationId: `${ctx.entryId}:${customerId}`,
      author: { id: messaging.sender.id },
      text: message.text ?? '',
      media: (message.attachments ?? []).map((a) => ({ type: a.type })),
      createdAt: unixToIso(messaging.timestamp, ctx.event.receivedAt),
      fromBrand,
    },
  ];
}

function normalizeInstagramComment(ctx: Base, raw: unknown): Interaction[] {
  const comment = InstagramComment.parse(raw);
  const author = comment.from ?? { id: 'unknown' };
  return [
    {
      ...base(ctx),
      platform: 'instagram',
      channel: 'public',
      action: 'create',
      externalId: comment.id,
      conversationId: comment.media?.id ?? comment.id,
      inReplyTo: comment.parent_id,
      author: { id: author.id, handle: author.username },
      text: comment.text ?? '',
      createdAt: ctx.event.receivedAt,
      fromBrand: author.id === ctx.entryId,
    },
  ];
}

const InstagramMention = z.looseObject({ media_id: z.string(), comment_id: z.string().optional() });

/**
 * A mention carries ids only: the text must be fetched from the Graph API with the Page token, which
 * Heed does not hold. It is stored (and triaged on an empty text) so nobody misses it.
 */
function normalizeInstagramMention(ctx: Base, raw: unknown): Interaction[] {
  const mention = InstagramMention.parse(raw);
  const externalId = mention.comment_id ?? mention.media_id;
  return [
    {
      ...base(ctx),
      platform: 'instagram',
      channel: 'public',
      action: 'create',
      externalId: `mention:${externalId}`,
      conversationId: mention.media_id,
      author: { id: 'unknown' },
      text: '',
      media: [{ type: 'instagram-media', id: mention.media_id }],
      createdAt: ctx.event.receivedAt,
      fromBrand: false,
    },
  ];
}

function normalizeWhatsApp(ctx: Base, raw: unknown): Interaction[] {
  const { message, value } = z.object({ message: WhatsAppMessage, value: WhatsAppValue }).parse(raw);
  const from = message.from ?? message.from_user_id ?? 'unknown';
  const contact = value.contacts?.find((c) => c.wa_id === from) ?? value.contacts?.[0];
  const typed = message[message.type] as { caption?: string; body?: string } | undefined;
  const phoneNumberId = value.metadata?.phone_number_id ?? ctx.entryId;
  return [
    {
      ...base(ctx),
      platform: 'whatsapp',
      channel: 'private',
      action: 'create',
      externalId: message.id,
      conversationId: `${phoneNumberId}:${from}`,
      author: { id: from, name: contact?.profile?.name },
      text: message.text?.body ?? typed?.caption ?? typed?.body ?? '',
      media: message.type === 'text' ? [] : [{ type: message.type }],
      createdAt: unixToIso(message.timestamp, ctx.event.receivedAt),
      fromBrand: false,
    },
  ];
}

type MetaObject = (typeof OBJECTS)[number];
type Accepted = { items: unknown[] } | { ignored: string } | { revoked: string };

/**
 * Offboarding on WhatsApp (account_update webhook reference: the account is deleted, or unshared
 * from the app's business); the messages stop with it.
 */
const WHATSAPP_OFFBOARDING = new Set(['PARTNER_REMOVED', 'PARTNER_APP_UNINSTALLED', 'ACCOUNT_DELETED']);
const AccountUpdate = z.looseObject({ event: z.string() });
/** A `permissions` change: a person revoked a permission the app relies on (verb `revoked`). */
const PermissionChange = z.looseObject({ verb: z.string() });

/**
 * Every event type Heed handles, `<object>:<field>` (or `<object>:messaging`): which items of a
 * change it takes (the rest is acknowledged and counted as ignored) and how one becomes interactions.
 * Event types not listed are acknowledged and counted as ignored.
 */
const EVENT_TYPES: Record<
  string,
  { platform: Platform; accept(value: unknown): Accepted; normalize(ctx: Base, item: unknown): Interaction[] }
> = {
  'page:feed': {
    platform: 'facebook',
    accept(value) {
      const feed = FeedChange.safeParse(value);
      // Queued as it is: it fails normalization and reaches the DLQ with its reason.
      if (!feed.success) return { items: [value] };
      // Likes and reactions are feed changes too; only posts and comments carry words to answer.
      if (!MESSAGE_ITEMS.has(feed.data.item) || !feed.data.from)
        return { ignored: `page:feed:${feed.data.item}` };
      if (!(feed.data.verb in VERBS)) return { ignored: `page:feed:${feed.data.item}:${feed.data.verb}` };
      return { items: [value] };
    },
    normalize: normalizeFeed,
  },
  'page:messaging': {
    platform: 'messenger',
    accept: acceptMessaging('page'),
    normalize: (ctx, item) => normalizeMessaging(ctx, 'messenger', item),
  },
  'instagram:messaging': {
    platform: 'instagram',
    accept: acceptMessaging('instagram'),
    normalize: (ctx, item) => normalizeMessaging(ctx, 'instagram', item),
  },
  'instagram:comments': {
    platform: 'instagram',
    accept: (value) => ({ items: [value] }),
    normalize: normalizeInstagramComment,
  },
  'instagram:mentions': {
    platform: 'instagram',
    accept: (value) => ({ items: [value] }),
    normalize: normalizeInstagramMention,
  },
  'whatsapp_business_account:messages': {
    platform: 'whatsapp',
    accept(value) {
      const parsed = WhatsAppValue.safeParse(value);
      if (!parsed.success) return { items: [{ message: value, value: {} }] };
      // Delivery statuses arrive on the same field; they are counted as ignored by the caller.
      const context = { ...parsed.data, messages: undefined, statuses: undefined };
      return { items: (parsed.data.messages ?? []).map((message) => ({ message, value: context })) };
    },
    normalize: normalizeWhatsApp,
  },
  'whatsapp_business_account:account_update': {
    platform: 'whatsapp',
    accept(value) {
      const update = AccountUpdate.safeParse(value);
      if (update.success && WHATSAPP_OFFBOARDING.has(update.data.event))
        return {
          revoked: `WhatsApp Business Account ${update.data.event.toLowerCase().replaceAll('_', ' ')}`,
        };
      return { ignored: `whatsapp_business_account:account_update:${update.data?.event ?? 'unknown'}` };
    },
    normalize: () => [],
  },
};

/** Every `permissions` field: a revoked permission stops deliveries that need it. */
function acceptPermission(field: string, value: unknown): Accepted {
  const change = PermissionChange.safeParse(value);
  return change.success && change.data.verb === 'revoked'
    ? { revoked: `permission ${field} revoked` }
    : { ignored: `permissions:${field}` };
}

function acceptMessaging(object: MetaObject) {
  return (item: unknown): Accepted => {
    const m = Messaging.safeParse(item);
    return m.success && m.data.message ? { items: [item] } : { ignored: `${object}:messaging` };
  };
}

export const metaParser: SourceParser = {
  source: 'meta',

  handshake(request: WebhookRequest, secrets: WebhookSecrets): HandshakeResponse {
    const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = request.query;
    // Meta's challenge is a number; anything else is not echoed back.
    if (mode !== 'subscribe' || !challenge || !/^[A-Za-z0-9_-]{1,128}$/.test(challenge))
      throw new BadRequest('hub.mode=subscribe and a hub.challenge are required');
    if (!token || !matchesAnyToken(token, secrets.metaVerifyToken))
      throw new Forbidden('hub.verify_token does not match');
    return { status: 200, contentType: 'text/plain', body: challenge };
  },

  sign(rawBody: Buffer, secret: string) {
    return { 'x-hub-signature-256': `sha256=${hmac('sha256', secret, rawBody).toString('hex')}` };
  },

  verify(request: WebhookRequest, secrets: WebhookSecrets, _now: Date, options: VerifyOptions = {}): void {
    const sha256 = request.headers['x-hub-signature-256'];
    const sha1 = request.headers['x-hub-signature'];
    // The SHA-256 header wins whenever present; SHA-1 is only a fallback a team must turn on.
    const [digest, header, prefix]: [Digest, string, string] =
      sha256 !== undefined || !options.acceptLegacyMetaSha1
        ? ['sha256', sha256 ?? '', 'sha256=']
        : ['sha1', sha1 ?? '', 'sha1='];
    const presented = header.startsWith(prefix) ? decodeStrict(header.slice(prefix.length), 'hex') : null;
    const ok = matchesAnySecret(presented, secrets.metaAppSecret, (secret) =>
      hmac(digest, secret, request.rawBody),
    );
    if (!ok)
      throw new Unauthorized(
        `${digest === 'sha1' ? 'X-Hub-Signature' : 'X-Hub-Signature-256'} missing or invalid`,
      );
  },

  split(body: unknown): SplitResult {
    const parsed = Delivery.safeParse(body);
    // Not a Graph webhook envelope, or an object Heed does not read: acknowledged and kept, never refused.
    if (!parsed.success) return { events: [], ignored: ['meta:unrecognized'] };
    const { entry } = parsed.data;
    const object = parsed.data.object as MetaObject;
    if (!OBJECTS.includes(object)) return { events: [], ignored: [`meta:${parsed.data.object}`] };
    const events: SplitResult['events'] = [];
    const ignored: string[] = [];
    for (const e of entry) {
      const changes = [
        ...(e.messaging ?? []).map((value) => ({ field: 'messaging', value })),
        ...(e.changes ?? []).map(({ field, value }) => ({ field, value })),
      ];
      for (const { field, value } of changes) {
        const type = `${object}:${field}`;
        const handler = EVENT_TYPES[type];
        const accepted: Accepted =
          object === 'permissions'
            ? acceptPermission(field, value)
            : handler
              ? handler.accept(value)
              : { ignored: type };
        if ('ignored' in accepted) ignored.push(accepted.ignored);
        else if ('revoked' in accepted)
          events.push({
            platform: handler?.platform ?? 'facebook',
            type: REVOCATION_EVENT,
            payload: {
              account: e.id,
              detail: accepted.revoked,
              at: e.time ? unixToIso(e.time, '') : undefined,
            },
          });
        else
          for (const item of accepted.items)
            events.push({
              platform: handler!.platform,
              type,
              payload: { entryId: e.id, time: e.time, item },
            });
        if (type === 'whatsapp_business_account:messages')
          for (const _ of WhatsAppValue.safeParse(value).data?.statuses ?? [])
            ignored.push('whatsapp_business_account:statuses');
      }
    }
    return { events, ignored };
  },

  normalize(event: QueuedEvent): Interaction[] {
    const { entryId, item } = Payload.parse(event.payload);
    return EVENT_TYPES[event.type]?.normalize({ event, entryId }, item) ?? [];
  },
};
