import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequest, PoisonEvent, Unauthorized } from '#core/model/errors.ts';
import {
  type QueuedEvent,
  REVOCATION_EVENT,
  RevocationPayload,
  UNHANDLED_EVENT,
  UnhandledPayload,
} from '#core/model/interaction.ts';
import { genericParser } from '#core/platforms/generic.ts';
import { metaParser } from '#core/platforms/meta.ts';
import type { WebhookRequest } from '#core/platforms/parser.ts';
import { crcResponse, xParser } from '#core/platforms/x/index.ts';
import type { WebhookSecrets } from '#core/ports.ts';
import type { SourceName } from '#core/sources.ts';
import { ingestDelivery } from '#core/use-cases/ingest-delivery.ts';
import { processEvent } from '#core/use-cases/process-event.ts';
import { metaPageComment, PAGE_ID, xDirectMessage, xFavorite, xTweet } from '../fixtures/deliveries.ts';
import {
  FixedClock,
  MemoryQueue,
  MemoryReplayGuard,
  MemoryStore,
  MemoryTimers,
  processDeps,
} from '../support/fakes.ts';

const fuzzProcessDeps = () => ({
  store: new MemoryStore(),
  timers: new MemoryTimers(),
  clock: new FixedClock(NOW),
});

import { REVIEW_SECRETS, signGeneric, signMeta, signX } from '../support/signing.ts';

const secrets: WebhookSecrets = {
  xConsumerSecret: ['x-secret'],
  metaAppSecret: ['meta-secret'],
  metaVerifyToken: ['verify-me'],
  genericWebhookSecret: [`whsec_${Buffer.from('generic-secret-bytes').toString('base64')}`],
  ...REVIEW_SECRETS,
};
const NOW = new Date('2026-11-23T10:00:00Z');

function request(
  body: string,
  headers: Record<string, string> = {},
  extra: Partial<WebhookRequest> = {},
): WebhookRequest {
  return {
    source: 'x',
    method: 'POST',
    headers,
    query: {},
    pathParameters: {},
    rawBody: Buffer.from(body),
    ...extra,
  };
}

function queued(event: ReturnType<typeof xParser.split>['events'][number]): QueuedEvent {
  return { ...event, v: 1, deliveryId: 'd-1:0', receivedAt: NOW.toISOString() };
}

describe('X parser', () => {
  it('answers the CRC challenge as documented', () => {
    // A token as X sends it (base64 of a UUID); the expected value is computed independently.
    const token = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';
    expect(crcResponse(token, 'x-secret')).toBe(signX('x-secret', token));
    const response = xParser.handshake!(
      request('', {}, { method: 'GET', query: { crc_token: token } }),
      secrets,
    );
    expect(JSON.parse(response.body)).toEqual({ response_token: signX('x-secret', token) });
  });

  it('accepts the exact signed bytes and rejects anything else', () => {
    const body = JSON.stringify(xTweet());
    expect(() =>
      xParser.verify(
        request(body, { 'x-twitter-webhooks-signature': signX('x-secret', body) }),
        secrets,
        NOW,
      ),
    ).not.toThrow();
    expect(() =>
      xParser.verify(request(body, { 'x-twitter-webhooks-signature': signX('other', body) }), secrets, NOW),
    ).toThrow(Unauthorized);
    expect(() => xParser.verify(request(body), secrets, NOW)).toThrow(Unauthorized);
    // Re-serialised JSON is different bytes: it must not verify.
    const reserialised = JSON.stringify(JSON.parse(body), null, 1);
    expect(() =>
      xParser.verify(
        request(reserialised, { 'x-twitter-webhooks-signature': signX('x-secret', body) }),
        secrets,
        NOW,
      ),
    ).toThrow(Unauthorized);
  });

  it('accepts the previous secret during a rotation grace period', () => {
    const body = JSON.stringify(xTweet());
    const rotating = { ...secrets, xConsumerSecret: ['new-secret', 'x-secret'] };
    expect(() =>
      xParser.verify(
        request(body, { 'x-twitter-webhooks-signature': signX('x-secret', body) }),
        rotating,
        NOW,
      ),
    ).not.toThrow();
  });

  it('normalizes a mention with string ids (beyond 2^53) and recognises brand replies', () => {
    const { events } = xParser.split(xTweet({ id: '1790000000000000001' }), request(''));
    const [interaction] = xParser.normalize(queued(events[0]!));
    expect(interaction).toMatchObject({
      platform: 'x',
      channel: 'public',
      externalId: '1790000000000000001',
      author: { id: '6253282', handle: 'ann_customer', followers: 321 },
      fromBrand: false,
      permalink: 'https://x.com/ann_customer/status/1790000000000000001',
      createdAt: '2018-10-10T20:19:24.000Z',
    });
    const brand = xParser.split(
      xTweet({ userId: '2244994945', inReplyTo: '1790000000000000001' }),
      request(''),
    );
    expect(xParser.normalize(queued(brand.events[0]!))[0]).toMatchObject({
      fromBrand: true,
      inReplyTo: '1790000000000000001',
    });
  });

  it('normalizes direct messages with the users map, ignores favorites', () => {
    const { events } = xParser.split(xDirectMessage, request(''));
    expect(xParser.normalize(queued(events[0]!))[0]).toMatchObject({
      channel: 'private',
      author: { id: '3001969357', handle: 'jordan' },
      conversationId: 'dm:3001969357',
    });
    expect(xParser.split(xFavorite, request(''))).toEqual({ events: [], ignored: ['favorite_events'] });
  });

  it('acknowledges a form it does not know instead of refusing it (a 4xx would get the subscription disabled)', () => {
    expect(xParser.split({ hello: 'world' }, request(''))).toEqual({
      events: [],
      ignored: ['x:unrecognized'],
    });
  });
});

describe('Meta parser', () => {
  it('answers the hub.challenge handshake only with the verify token', () => {
    const ok = metaParser.handshake!(
      request(
        '',
        {},
        {
          method: 'GET',
          query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' },
        },
      ),
      secrets,
    );
    expect(ok).toEqual({ status: 200, contentType: 'text/plain', body: '1158201444' });
    expect(() =>
      metaParser.handshake!(
        request(
          '',
          {},
          { query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' } },
        ),
        secrets,
      ),
    ).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('verifies X-Hub-Signature-256 as lowercase hex', () => {
    const body = JSON.stringify(metaPageComment);
    expect(() =>
      metaParser.verify(
        request(body, { 'x-hub-signature-256': signMeta('meta-secret', body) }),
        secrets,
        NOW,
      ),
    ).not.toThrow();
    expect(() =>
      metaParser.verify(
        request(body, { 'x-hub-signature-256': signMeta('meta-secret', `${body} `) }),
        secrets,
        NOW,
      ),
    ).toThrow(Unauthorized);
  });

  it('normalizes a Page comment, and a comment by the Page is a brand reply', () => {
    const { events } = metaParser.split(metaPageComment, request(''));
    expect(metaParser.normalize(queued(events[0]!))[0]).toMatchObject({
      platform: 'facebook',
      externalId: '444444444_555555555',
      fromBrand: false,
      author: { name: 'Sam Visitor' },
    });
    const byPage = structuredClone(metaPageComment);
    byPage.entry[0]!.changes[0]!.value.from.id = PAGE_ID;
    expect(metaParser.normalize(queued(metaParser.split(byPage, request('')).events[0]!))[0]!.fromBrand).toBe(
      true,
    );
  });

  it('maps Page feed verbs to one action each: edited and edit are edits; other verbs are ignored', () => {
    const withVerb = (verb: string) => {
      const delivery = structuredClone(metaPageComment);
      delivery.entry[0]!.changes[0]!.value.verb = verb;
      return metaParser.split(delivery, request(''));
    };
    for (const [verb, action] of [
      ['add', 'create'],
      ['edited', 'edit'],
      ['edit', 'edit'],
      ['remove', 'delete'],
    ] as const)
      expect(metaParser.normalize(queued(withVerb(verb).events[0]!))[0]!.action).toBe(action);
    expect(withVerb('hide')).toEqual({ events: [], ignored: ['page:feed:comment:hide'] });
  });
});

describe('Generic (Standard Webhooks) parser', () => {
  const body = JSON.stringify({
    id: 'rev-1',
    author: { id: 'u1', name: 'Rita' },
    text: 'Terrible stay, no refund',
  });
  const ts = Math.floor(NOW.getTime() / 1000);
  const headers = (
    timestamp: number,
    sig = signGeneric(secrets.genericWebhookSecret[0]!, 'msg_1', timestamp, body),
  ) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,bogus ${sig}`,
  });

  it('accepts a valid signature among several, within the tolerance', () => {
    expect(() => genericParser.verify(request(body, headers(ts)), secrets, NOW)).not.toThrow();
    expect(() => genericParser.verify(request(body, headers(ts - 299)), secrets, NOW)).not.toThrow();
  });

  it('rejects replays outside ±5 minutes', () => {
    expect(() => genericParser.verify(request(body, headers(ts - 301)), secrets, NOW)).toThrow(/tolerance/);
    expect(() => genericParser.verify(request(body, headers(ts + 301)), secrets, NOW)).toThrow(/tolerance/);
  });
});

describe('verifiers and parsers under arbitrary input', () => {
  const body = JSON.stringify(xTweet());
  const ts = Math.floor(NOW.getTime() / 1000);
  // Each platform's verifier with a correctly signed request for `bytes`.
  const signed = {
    x: (bytes: Buffer) =>
      request(
        '',
        { 'x-twitter-webhooks-signature': signX('x-secret', JSON.stringify(xTweet())) },
        { rawBody: bytes },
      ),
    meta: (bytes: Buffer) =>
      request('', { 'x-hub-signature-256': signMeta('meta-secret', body) }, { rawBody: bytes }),
    generic: (bytes: Buffer) =>
      request(
        '',
        {
          'webhook-id': 'm',
          'webhook-timestamp': String(ts),
          'webhook-signature': signGeneric(secrets.genericWebhookSecret[0]!, 'm', ts, body),
        },
        { rawBody: bytes },
      ),
  };
  const adapters = { x: xParser, meta: metaParser, generic: genericParser };

  it('accepts the untouched body on every platform', () => {
    for (const name of ['x', 'meta', 'generic'] as const) {
      expect(() => adapters[name].verify(signed[name](Buffer.from(body)), secrets, NOW)).not.toThrow();
    }
  });

  it('rejects any change to a signed body, on every platform', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('x', 'meta', 'generic' as const),
        fc.nat(body.length - 1),
        fc.integer({ min: 1, max: 255 }),
        (name, index, delta) => {
          const bytes = Buffer.from(body);
          bytes[index] = (bytes[index]! + delta) % 256;
          expect(() => adapters[name].verify(signed[name](bytes), secrets, NOW)).toThrow(Unauthorized);
        },
      ),
    );
  });

  it('rejects any other signature, on every platform', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 90 }), (garbage) => {
        const b = Buffer.from(body);
        expect(() =>
          xParser.verify(
            request(body, { 'x-twitter-webhooks-signature': garbage }, { rawBody: b }),
            secrets,
            NOW,
          ),
        ).toThrow(Unauthorized);
        expect(() =>
          metaParser.verify(request(body, { 'x-hub-signature-256': garbage }, { rawBody: b }), secrets, NOW),
        ).toThrow(Unauthorized);
        expect(() =>
          genericParser.verify(
            request(
              body,
              { 'webhook-id': 'm', 'webhook-timestamp': String(ts), 'webhook-signature': garbage },
              { rawBody: b },
            ),
            secrets,
            NOW,
          ),
        ).toThrow(Unauthorized);
      }),
    );
  });

  it('refuses arbitrary headers with Unauthorized, never another error and never acceptance', () => {
    const anyHeaders = fc.dictionary(
      fc.constantFrom(
        'x-twitter-webhooks-signature',
        'x-hub-signature-256',
        'x-hub-signature',
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ),
      fc.string({ maxLength: 120 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(xParser, metaParser, genericParser),
        anyHeaders,
        fc.uint8Array({ maxLength: 200 }),
        (parser, headers, bytes) => {
          expect(() =>
            parser.verify(request('', headers, { rawBody: Buffer.from(bytes) }), secrets, NOW, {
              acceptLegacyMetaSha1: true,
            }),
          ).toThrow(Unauthorized);
        },
      ),
    );
  });

  it('accepts every signed JSON object; each queued event normalizes or is poison (DLQ), never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(deliveryLike(), async ([platform, value]) => {
        const queue = new MemoryQueue();
        try {
          const text = JSON.stringify(value);
          const headers =
            platform === 'x'
              ? { 'x-twitter-webhooks-signature': signX('x-secret', text) }
              : platform === 'meta'
                ? { 'x-hub-signature-256': signMeta('meta-secret', text) }
                : {
                    'webhook-id': 'm',
                    'webhook-timestamp': String(ts),
                    'webhook-signature': signGeneric(secrets.genericWebhookSecret[0]!, 'm', ts, text),
                  };
          await ingestDelivery(
            {
              method: 'POST',
              headers,
              query: {},
              source: platform as SourceName,
              pathParameters: platform === 'generic' ? { sender: 's' } : {},
              rawBody: Buffer.from(text),
            },
            {
              queue,
              replayGuard: new MemoryReplayGuard(),
              secrets: async () => secrets,
              clock: new FixedClock(NOW),
              maxBodyBytes: 1 << 20,
              deliveryId: 'd',
            },
          );
        } catch (error) {
          // Only what the contract refuses: a body that is not a JSON object.
          expect(error).toBeInstanceOf(BadRequest);
          expect(value === null || typeof value !== 'object' || Array.isArray(value)).toBe(true);
          expect(queue.events).toEqual([]);
        }
        for (const event of queue.events) {
          if (event.type === UNHANDLED_EVENT)
            expect(UnhandledPayload.safeParse(event.payload).success).toBe(true);
          else if (event.type === REVOCATION_EVENT)
            expect(RevocationPayload.safeParse(event.payload).success).toBe(true);
          else {
            const outcome = await processEvent(event, processDeps(fuzzProcessDeps())).catch(
              (e: unknown) => e,
            );
            if (outcome instanceof Error) expect(outcome).toBeInstanceOf(PoisonEvent);
          }
        }
      }),
    );
  });
});

/** JSON values biased towards the platforms' shapes, so the parsers' deeper branches are reached. */
function jsonLike() {
  const leaf = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      'page',
      'instagram',
      'whatsapp_business_account',
      'feed',
      'comments',
      'messages',
      'mentions',
      'message_create',
      'comment',
      'add',
      'post.mention.create',
      'dm.received',
    ),
  );
  const keys = fc.constantFrom(
    'object',
    'entry',
    'id',
    'changes',
    'field',
    'value',
    'messaging',
    'message',
    'mid',
    'sender',
    'recipient',
    'for_user_id',
    'tweet_create_events',
    'direct_message_events',
    'id_str',
    'user',
    'text',
    'from',
    'item',
    'verb',
    'messages',
    'type',
    'data',
    'event_type',
    'payload',
    'author',
    'author_id',
    'interactions',
    'status',
    'user_id',
    'tweet_delete_events',
    'media',
    'comment_id',
    'post_id',
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('tree'), { maxLength: 3 }),
    object: fc.dictionary(keys, tie('tree'), { maxKeys: 6 }),
  }));
  return tree;
}

/** Deliveries with the platforms' envelopes and arbitrary insides: reaches every split and normalize branch. */
function deliveryLike(): fc.Arbitrary<[string, unknown]> {
  const inner = jsonLike();
  const id = fc.constantFrom('0', '1067280970047460', '17841405822304914');
  const meta = fc.record({
    object: fc.constantFrom('page', 'instagram', 'whatsapp_business_account'),
    entry: fc.array(
      fc.record({
        id,
        time: fc.integer(),
        changes: fc.array(
          fc.record({
            field: fc.constantFrom('feed', 'comments', 'mentions', 'messages', 'other'),
            value: fc.oneof(
              inner,
              fc.record({ messages: fc.array(inner, { maxLength: 2 }), contacts: inner }),
            ),
          }),
          { maxLength: 2 },
        ),
        messaging: fc.array(
          fc.oneof(
            inner,
            fc.record({ sender: fc.record({ id }), recipient: fc.record({ id }), message: inner }),
          ),
          { maxLength: 2 },
        ),
      }),
      { maxLength: 2 },
    ),
  });
  const x = fc.record({
    for_user_id: fc.constantFrom('2244994945', '6253282'),
    tweet_create_events: fc.array(
      fc.oneof(
        inner,
        fc.record({
          id_str: fc.string(),
          user: fc.record({ id_str: fc.string() }),
          text: inner,
          timestamp_ms: fc.oneof(fc.string(), fc.constant('1539202764000')),
        }),
      ),
      { maxLength: 2 },
    ),
    direct_message_events: fc.array(
      fc.oneof(
        inner,
        fc.record({ type: fc.constant('message_create'), id: fc.string(), message_create: inner }),
      ),
      { maxLength: 2 },
    ),
    tweet_delete_events: fc.array(inner, { maxLength: 2 }),
  });
  const xaa = fc.record({
    data: fc.record({
      event_type: fc.constantFrom('post.mention.create', 'dm.received', 'x'),
      payload: inner,
    }),
  });
  const generic = fc.oneof(inner, fc.record({ id: fc.string(), author: inner, text: inner }));
  return fc.oneof(
    fc.tuple(fc.constantFrom('x', 'meta', 'generic'), inner),
    fc.tuple(fc.constant('meta'), meta),
    fc.tuple(fc.constant('x'), fc.oneof(x, xaa)),
    fc.tuple(fc.constant('generic'), generic),
  );
}
