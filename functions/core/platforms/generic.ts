import * as z from 'zod';
import { Unauthorized } from '../model/errors.ts';
import { Author, Channel, type Interaction, type QueuedEvent } from '../model/interaction.ts';
import type { WebhookSecrets } from '../ports.ts';
import type { SignOptions, SourceParser, SplitResult, WebhookRequest } from './parser.ts';
import { standardWebhooksKey } from './secret-policy.ts';
import { decodeStrict, hmac, matchesAnySecret } from './signing.ts';

/** Standard Webhooks (standardwebhooks.com): replay protection window around webhook-timestamp. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;

/** The documented body for an interaction relayed from any other source (review sites, a team's tools…). */
export const GenericInteraction = z.object({
  id: z.string().min(1).max(256),
  author: Author,
  text: z.string().max(20_000),
  createdAt: z.iso.datetime({ offset: true }).optional(),
  channel: Channel.default('public'),
  conversationId: z.string().min(1).optional(),
  inReplyTo: z.string().optional(),
  url: z.url().optional(),
  fromBrand: z.boolean().default(false),
});
const GenericDelivery = z.union([
  GenericInteraction,
  z.object({ interactions: z.array(GenericInteraction).min(1).max(1000) }),
]);

export const genericParser: SourceParser = {
  source: 'generic',

  sign(rawBody: Buffer, secret: string, { now, messageId }: SignOptions) {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const key = standardWebhooksKey(secret);
    if (!key) throw new Error('not a Standard Webhooks secret (whsec_ and base64)');
    const content = Buffer.concat([Buffer.from(`${messageId}.${timestamp}.`), rawBody]);
    return {
      'webhook-id': messageId,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${hmac('sha256', key, content).toString('base64')}`,
    };
  },

  verify(request: WebhookRequest, secrets: WebhookSecrets, now: Date): void {
    const id = request.headers['webhook-id'];
    const timestamp = request.headers['webhook-timestamp'];
    const signatures = request.headers['webhook-signature'];
    if (!id || !timestamp || !signatures)
      throw new Unauthorized('webhook-id, webhook-timestamp and webhook-signature are required');
    if (!WEBHOOK_ID.test(id)) throw new Unauthorized('webhook-id must be 1 to 256 printable characters');
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!(Math.abs(now.getTime() / 1000 - seconds) <= TIMESTAMP_TOLERANCE_SECONDS)) {
      throw new Unauthorized('webhook-timestamp is outside the 5 minute tolerance');
    }
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.rawBody]);
    // Secrets are checked when loaded; a key that still fails to decode is skipped, never used empty.
    const keys = secrets.genericWebhookSecret.flatMap((secret) => standardWebhooksKey(secret) ?? []);
    // The header may carry several space-separated signatures (the sender's own rotation).
    const ok = signatures.split(' ').some((candidate) => {
      const [version, value] = candidate.split(',', 2);
      if (version !== 'v1' || !value) return false;
      return matchesAnySecret(decodeStrict(value, 'base64'), keys, (key) => hmac('sha256', key, content));
    });
    if (!ok) throw new Unauthorized('webhook-signature does not match');
  },

  replayId(request: WebhookRequest) {
    // Called after verify(): both headers are present and the timestamp is within the tolerance.
    const sender = request.pathParameters['sender'] ?? 'generic';
    const sentAt = Number(request.headers['webhook-timestamp']) * 1000;
    return {
      key: `generic/${sender}/${request.headers['webhook-id']}`,
      expiresAt: new Date(sentAt + TIMESTAMP_TOLERANCE_SECONDS * 1000),
    };
  },

  split(body: unknown, request: WebhookRequest): SplitResult {
    const parsed = GenericDelivery.safeParse(body);
    // Acknowledged and kept all the same (a sender's bug must not lose the message); the sender reads why.
    if (!parsed.success)
      return {
        events: [],
        ignored: ['generic:unrecognized'],
        problems: z.flattenError(parsed.error).fieldErrors,
      };
    // QueuedEvent.source carries the sender's name (the wire format predates the source registry).
    const source = request.pathParameters['sender'] ?? 'generic';
    const items = 'interactions' in parsed.data ? parsed.data.interactions : [parsed.data];
    return {
      events: items.map((item) => ({ platform: 'generic', source, type: 'interaction', payload: item })),
      ignored: [],
    };
  },

  normalize(event: QueuedEvent): Interaction[] {
    const item = GenericInteraction.parse(event.payload);
    const source = event.source ?? 'generic';
    return [
      {
        platform: 'generic',
        channel: item.channel,
        action: 'create',
        externalId: `${source}:${item.id}`,
        conversationId: `${source}:${item.conversationId ?? item.id}`,
        inReplyTo: item.inReplyTo ? `${source}:${item.inReplyTo}` : undefined,
        author: item.author,
        text: item.text,
        media: [],
        createdAt: new Date(item.createdAt ?? event.receivedAt).toISOString(),
        fromBrand: item.fromBrand,
        permalink: item.url,
        test: false,
        deliveryId: event.deliveryId,
      },
    ];
  },
};
